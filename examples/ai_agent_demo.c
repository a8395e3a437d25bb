/*
 * ai_agent_demo - one request to an AI agent, traced with otelc.
 *
 * The agent answers a question: a RAG step embeds it (on a worker thread)
 * and retrieves documents from a database, then an LLM call generates the
 * answer; its first attempt times out and is retried. The console
 * exporter prints the whole trace as a tree when the request ends, and
 * the metrics the request produced (token usage and call durations as
 * histograms, requests and cost as counters) when the program exits.
 *
 *   ai_agent_demo            print the trace tree
 *   ai_agent_demo --lines    also print one line per span
 *
 * The standard OTEL_* variables still apply: OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_BSP_*,
 * OTEL_METRICS_EXEMPLAR_FILTER, ...
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <otelc/otelc.h>

/* Stand-in for real work, so that durations show in the tree. */
static void work_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  nanosleep(&ts, NULL);
}

static otelc_tracer *tracer;

/* The metrics of the semantic conventions for GenAI clients, plus the
 * application's own request and cost counters. */
static otelc_histogram *token_usage;  /* gen_ai.client.token.usage */
static otelc_histogram *llm_duration; /* gen_ai.client.operation.duration */
static otelc_counter *requests;
static otelc_counter *cost;

static void make_instruments(otelc_meter *m) {
  static const double token_bounds[] = {1,     4,      16,      64,     256,
                                        1024,  4096,   16384,   65536,  262144,
                                        1048576, 4194304, 16777216, 67108864};
  static const double duration_bounds[] = {0.01, 0.02, 0.04,  0.08,  0.16,
                                           0.32, 0.64, 1.28,  2.56,  5.12,
                                           10.24, 20.48, 40.96, 81.92};
  token_usage = otelc_meter_histogram(
      m, "gen_ai.client.token.usage",
      &(otelc_instrument_opts){
          .unit = "{token}",
          .description = "Tokens used by GenAI calls",
          .advisory_boundaries = token_bounds,
          .n_advisory_boundaries = sizeof token_bounds / sizeof *token_bounds});
  llm_duration = otelc_meter_histogram(
      m, "gen_ai.client.operation.duration",
      &(otelc_instrument_opts){
          .unit = "s",
          .description = "Duration of GenAI calls",
          .is_double = true,
          .advisory_boundaries = duration_bounds,
          .n_advisory_boundaries =
              sizeof duration_bounds / sizeof *duration_bounds});
  requests = otelc_meter_counter(
      m, "ai_agent.requests",
      &(otelc_instrument_opts){.unit = "{request}",
                               .description = "Requests handled"});
  cost = otelc_meter_counter(
      m, "ai_agent.llm.cost",
      &(otelc_instrument_opts){.unit = "{USD}",
                               .description = "Estimated cost of LLM calls",
                               .is_double = true});
}

/* Runs on a worker thread: the context handed over makes "rag.embed" a
 * child of the span that was current where the context was captured. */
static void *embed_worker(void *arg) {
  otelc_context *ctx = arg;
  otelc_scope sc = otelc_context_attach(ctx);
  otelc_span *s = otelc_span_start(
      tracer, "rag.embed",
      &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT});
  otelc_span_set_str(s, "gen_ai.operation.name", "embeddings");
  otelc_span_set_str(s, "gen_ai.request.model", "text-embedding-3-small");
  work_ms(6);
  otelc_span_end(s);
  otelc_context_detach(sc);
  otelc_context_release(ctx);
  return NULL;
}

/* Embed the question, then fetch the closest documents. */
static void rag_query(void) {
  otelc_span *query = otelc_span_start(tracer, "rag.query", NULL);
  otelc_scope sc = otelc_span_activate(query); /* parent of what follows */

  /* Hand the current context to another thread. */
  pthread_t th;
  otelc_context *ctx = otelc_context_current();
  if (pthread_create(&th, NULL, embed_worker, ctx) == 0)
    pthread_join(th, NULL);
  else
    otelc_context_release(ctx);

  otelc_span *retrieve = otelc_span_start(
      tracer, "rag.retrieve",
      &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT});
  otelc_span_set_str(retrieve, "db.system.name", "postgresql");
  otelc_span_set_int(retrieve, "rag.top_k", 5);
  work_ms(8);
  otelc_span_add_event(retrieve, "documents.retrieved", 0,
                       OTELC_ATTRS(OTELC_INT("count", 5)));
  otelc_span_end(retrieve);

  otelc_context_detach(sc);
  otelc_span_end(query);
}

/* One call to the model provider; the first one times out. */
static bool llm_attempt(int attempt) {
  otelc_span *s = otelc_span_start(
      tracer, "llm.attempt",
      &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT});
  otelc_span_set_int(s, "llm.attempt", attempt);
  uint64_t t0 = otelc_time_now();
  bool ok = attempt > 1;
  if (ok) {
    work_ms(25);
  } else {
    work_ms(20);
    otelc_span_record_exception(s, "TimeoutError",
                                "upstream did not answer in 2s", NULL, NULL, 0);
    otelc_span_set_status(s, OTELC_STATUS_ERROR, "upstream timeout");
  }
  /* Recorded while the span is current: with OTEL_METRICS_EXEMPLAR_FILTER
   * (trace_based by default) the point links back to this span. */
  otelc_scope sc = otelc_span_activate(s);
  double secs = (double)(otelc_time_now() - t0) / 1e9;
  otelc_attr attrs[] = {OTELC_STR("gen_ai.operation.name", "chat"),
                        OTELC_STR("gen_ai.provider.name", "openai"),
                        OTELC_STR("gen_ai.request.model", "gpt-4o-mini"),
                        OTELC_STR("error.type", "timeout")};
  otelc_histogram_record(llm_duration, secs, attrs, ok ? 3 : 4);
  otelc_context_detach(sc);
  otelc_span_end(s);
  return ok;
}

/* Generate the answer, retrying once. */
static void llm_generate(void) {
  otelc_span *gen = otelc_span_start(
      tracer, "llm.generate",
      &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_CLIENT});
  otelc_span_set_attrs(
      gen, OTELC_ATTRS(OTELC_STR("gen_ai.operation.name", "chat"),
                       OTELC_STR("gen_ai.provider.name", "openai"),
                       OTELC_STR("gen_ai.request.model", "gpt-4o-mini")));
  otelc_scope sc = otelc_span_activate(gen);
  for (int attempt = 1; attempt <= 2 && !llm_attempt(attempt); attempt++)
    work_ms(3); /* back off */
  otelc_span_set_int(gen, "gen_ai.usage.input_tokens", 512);
  otelc_span_set_int(gen, "gen_ai.usage.output_tokens", 128);
  /* One token measurement per token type, as the conventions ask. */
  otelc_histogram_record_int(
      token_usage, 512,
      OTELC_ATTRS(OTELC_STR("gen_ai.operation.name", "chat"),
                  OTELC_STR("gen_ai.provider.name", "openai"),
                  OTELC_STR("gen_ai.request.model", "gpt-4o-mini"),
                  OTELC_STR("gen_ai.token.type", "input")));
  otelc_histogram_record_int(
      token_usage, 128,
      OTELC_ATTRS(OTELC_STR("gen_ai.token.type", "output"),
                  OTELC_STR("gen_ai.operation.name", "chat"),
                  OTELC_STR("gen_ai.provider.name", "openai"),
                  OTELC_STR("gen_ai.request.model", "gpt-4o-mini")));
  /* $0.15 per million input tokens, $0.60 per million output tokens. */
  otelc_counter_add_double(
      cost, 512 * 0.15e-6 + 128 * 0.60e-6,
      OTELC_ATTRS(OTELC_STR("gen_ai.request.model", "gpt-4o-mini")));
  otelc_context_detach(sc);
  otelc_span_end(gen);
}

int main(int argc, char **argv) {
  bool lines = argc > 1 && strcmp(argv[1], "--lines") == 0;

  /* Who we are; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win. */
  otelc_resource *res = NULL;
  otelc_resource_create(&(otelc_resource_opts){.service_name = "ai-agent-demo",
                                               .service_version = "1.0.0",
                                               .deployment_environment = "dev"},
                        &res);

  /* Spans go to the console (stdout) through a batch processor. */
  otelc_span_exporter *exporter = NULL;
  otelc_span_processor *processor = NULL;
  otelc_batch_opts batch;
  otelc_batch_opts_from_env(&batch);
  otelc_status st = otelc_console_exporter_new(
      &(otelc_console_opts){.out = stdout, .no_lines = !lines}, &exporter);
  if (st == OTELC_OK)
    st = otelc_batch_span_processor_new(exporter, &batch, &processor);
  otelc_tracer_provider *tp = NULL;
  if (st == OTELC_OK)
    st = otelc_tracer_provider_new(
        &(otelc_tracer_provider_opts){
            .resource = res, .processors = &processor, .n_processors = 1},
        &tp);
  /* Metrics go to the console (stdout) too: the periodic reader exports
   * every OTEL_METRIC_EXPORT_INTERVAL and once more at shutdown. */
  otelc_metric_exporter *mexp = NULL;
  otelc_metric_reader *reader = NULL;
  otelc_meter_provider *mp = NULL;
  otelc_periodic_reader_opts periodic;
  otelc_periodic_reader_opts_from_env(&periodic);
  if (st == OTELC_OK)
    st = otelc_console_metric_exporter_new(
        &(otelc_console_metric_opts){.out = stdout}, &mexp);
  if (st == OTELC_OK)
    st = otelc_periodic_reader_new(mexp, &periodic, &reader);
  if (st == OTELC_OK)
    st = otelc_meter_provider_new(
        &(otelc_meter_provider_opts){
            .resource = res, .readers = &reader, .n_readers = 1},
        &mp);
  otelc_resource_release(res); /* the providers hold their own references */
  if (st != OTELC_OK) {
    fprintf(stderr, "ai_agent_demo: %s\n", otelc_strerror(st));
    return 1;
  }
  otelc_tracer_provider_set_global(tp);
  tracer = otelc_tracer_get("ai-agent-demo", "1.0.0");
  otelc_meter_provider_set_global(mp);
  make_instruments(otelc_meter_get("ai-agent-demo", "1.0.0"));

  /* The request: the agent's span is the root of the trace. */
  otelc_span *task = otelc_span_start(
      tracer, "agent.task.execute",
      &(otelc_span_start_opts){.kind = OTELC_SPAN_KIND_SERVER});
  otelc_span_set_str(task, "gen_ai.agent.name", "research-assistant");
  otelc_span_set_str(task, "gen_ai.operation.name", "invoke_agent");
  otelc_scope sc = otelc_span_activate(task);
  otelc_counter_add(requests, 1,
                    OTELC_ATTRS(OTELC_STR("gen_ai.agent.name",
                                          "research-assistant")));
  work_ms(2); /* plan */
  rag_query();
  llm_generate();
  otelc_context_detach(sc);
  otelc_span_end(task);

  /* Flush (the tree is printed here at the latest) and clean up. */
  otelc_tracer_provider_set_global(NULL);
  otelc_tracer_provider_shutdown(tp, 5000);
  otelc_tracer_provider_free(tp);
  /* The last collection is printed here. */
  otelc_meter_provider_set_global(NULL);
  otelc_meter_provider_shutdown(mp, 5000);
  otelc_meter_provider_free(mp);
  return 0;
}

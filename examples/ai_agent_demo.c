/*
 * ai_agent_demo - one request to an AI agent, instrumented with otelc's
 * one-call setup.
 *
 * The agent answers a question: a RAG step embeds it (on a worker thread)
 * and retrieves documents from a database, then an LLM call generates the
 * answer; its first attempt times out and is retried. Everything goes to
 * the console: log lines as they happen (each with the ids of the span it
 * was written in), the whole trace as a tree when the request ends, and
 * the metrics it produced (GenAI token usage and call durations as
 * histograms, requests, errors and cost as counters) at exit.
 *
 *   ai_agent_demo            log lines, trace tree, metrics
 *   ai_agent_demo --lines    also one line per span
 *
 * The standard OTEL_* variables still apply (OTEL_SERVICE_NAME,
 * OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER, OTEL_*_EXPORTER, ...).
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

/* One handle per component: each is an instrumentation scope. */
static otelc_telemetry *agent, *rag, *llm;

static const otelc_span_start_opts server = {.kind = OTELC_SPAN_KIND_SERVER};
static const otelc_span_start_opts client = {.kind = OTELC_SPAN_KIND_CLIENT};

/* The GenAI client metrics of the semantic conventions, with their
 * advisory buckets, and a cost counter in dollars (a double). */
static otelc_histogram *token_usage;  /* gen_ai.client.token.usage */
static otelc_histogram *llm_duration; /* gen_ai.client.operation.duration */
static otelc_counter *cost;

static void make_llm_instruments(void) {
  static const double token_bounds[] = {
      1,     4,     16,     64,      256,     1024,     4096,
      16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864};
  static const double duration_bounds[] = {0.01,  0.02,  0.04,  0.08, 0.16,
                                           0.32,  0.64,  1.28,  2.56, 5.12,
                                           10.24, 20.48, 40.96, 81.92};
  otelc_meter *m = otelc_telemetry_meter(llm);
  token_usage = otelc_meter_histogram(
      m, "gen_ai.client.token.usage",
      &(otelc_instrument_opts){.unit = "{token}",
                               .description = "Tokens used by GenAI calls",
                               .advisory_boundaries = token_bounds,
                               .n_advisory_boundaries =
                                   sizeof token_bounds / sizeof *token_bounds});
  llm_duration = otelc_meter_histogram(
      m, "gen_ai.client.operation.duration",
      &(otelc_instrument_opts){.unit = "s",
                               .description = "Duration of GenAI calls",
                               .is_double = true,
                               .advisory_boundaries = duration_bounds,
                               .n_advisory_boundaries =
                                   sizeof duration_bounds /
                                   sizeof *duration_bounds});
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
  OTELC_WITH_SPAN_OPTS(otelc_telemetry_tracer(rag), "rag.embed", &client,
                       span) {
    otelc_span_set_str(span, "gen_ai.operation.name", "embeddings");
    otelc_span_set_str(span, "gen_ai.request.model", "text-embedding-3-small");
    work_ms(6);
  }
  otelc_context_detach(sc);
  otelc_context_release(ctx);
  return NULL;
}

/* Embed the question, then fetch the closest documents. */
static void rag_query(void) {
  OTELC_WITH_SPAN(otelc_telemetry_tracer(rag), "rag.query", query) {
    (void)query;
    /* Hand the current context to another thread. */
    pthread_t th;
    otelc_context *ctx = otelc_context_current();
    if (pthread_create(&th, NULL, embed_worker, ctx) == 0)
      pthread_join(th, NULL);
    else
      otelc_context_release(ctx);

    OTELC_WITH_SPAN_OPTS(otelc_telemetry_tracer(rag), "rag.retrieve", &client,
                         retrieve) {
      otelc_span_set_str(retrieve, "db.system.name", "postgresql");
      otelc_span_set_int(retrieve, "rag.top_k", 5);
      work_ms(8);
      otelc_span_add_event(retrieve, "documents.retrieved", 0,
                           OTELC_ATTRS(OTELC_INT("count", 5)));
      otelc_log_info("retrieved %d documents from the vector store", 5);
    }
  }
}

/* One call to the model provider; the first one times out. */
static bool llm_attempt(int attempt) {
  bool ok = attempt > 1;
  OTELC_WITH_SPAN_OPTS(otelc_telemetry_tracer(llm), "llm.attempt", &client,
                       span) {
    otelc_span_set_int(span, "llm.attempt", attempt);
    uint64_t t0 = otelc_time_now();
    work_ms(ok ? 25 : 20);
    if (!ok) {
      /* Status ERROR, an exception event, and the error counter. */
      otelc_record_error(
          span, "timeout", "upstream did not answer in 2s",
          otelc_telemetry_counter(llm, "ai_agent.llm.errors", "{error}"));
      otelc_log_warn("attempt %d timed out; retrying", attempt);
    }
    /* Recorded while the span is current: with the default exemplar
     * filter (trace_based) the point links back to this span. */
    double secs = (double)(otelc_time_now() - t0) / 1e9;
    otelc_attr attrs[] = {OTELC_STR("gen_ai.operation.name", "chat"),
                          OTELC_STR("gen_ai.provider.name", "openai"),
                          OTELC_STR("gen_ai.request.model", "gpt-4o-mini"),
                          OTELC_STR("error.type", "timeout")};
    otelc_histogram_record(llm_duration, secs, attrs, ok ? 3 : 4);
  }
  return ok;
}

/* Generate the answer, retrying once. */
static void llm_generate(void) {
  OTELC_WITH_SPAN_OPTS(otelc_telemetry_tracer(llm), "llm.generate", &client,
                       gen) {
    otelc_span_set_attrs(
        gen, OTELC_ATTRS(OTELC_STR("gen_ai.operation.name", "chat"),
                         OTELC_STR("gen_ai.provider.name", "openai"),
                         OTELC_STR("gen_ai.request.model", "gpt-4o-mini")));
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
    otelc_log_info("answer generated: %d input and %d output tokens", 512, 128);
  }
}

/* The console exporters of this program: everything on stdout, and one
 * line per span only with --lines (the tree is always printed). A name
 * registered again replaces the built-in exporter of that name. */
static bool lines;

static otelc_status console_spans(otelc_span_exporter **out) {
  return otelc_console_exporter_new(
      &(otelc_console_opts){.out = stdout, .no_lines = !lines}, out);
}

static otelc_status console_metrics(otelc_metric_reader **out) {
  otelc_metric_exporter *e = NULL;
  otelc_status st = otelc_console_metric_exporter_new(
      &(otelc_console_metric_opts){.out = stdout}, &e);
  otelc_periodic_reader_opts o;
  otelc_periodic_reader_opts_from_env(&o);
  return st == OTELC_OK ? otelc_periodic_reader_new(e, &o, out) : st;
}

static otelc_status console_logs(otelc_log_exporter **out) {
  return otelc_console_log_exporter_new(stdout, out);
}

int main(int argc, char **argv) {
  lines = argc > 1 && strcmp(argv[1], "--lines") == 0;
  otelc_span_exporter_register("console", console_spans);
  otelc_metric_reader_register("console", console_metrics);
  otelc_log_exporter_register("console", console_logs);

  /* Traces, metrics and logs, all to the console unless OTEL_*_EXPORTER
   * says otherwise; OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win
   * over what is given here. */
  otelc_status st =
      otelc_setup(&(otelc_setup_opts){.service_name = "ai-agent-demo",
                                      .service_version = "1.0.0",
                                      .environment = "dev"});
  if (st != OTELC_OK) {
    fprintf(stderr, "ai_agent_demo: %s\n", otelc_strerror(st));
    return 1;
  }
  agent = otelc_telemetry_get("agent");
  rag = otelc_telemetry_get("rag");
  llm = otelc_telemetry_get("llm");
  make_llm_instruments();

  /* The request: the agent's span is the root of the trace. */
  OTELC_WITH_SPAN_OPTS(otelc_telemetry_tracer(agent), "agent.task.execute",
                       &server, task) {
    otelc_span_set_str(task, "gen_ai.agent.name", "research-assistant");
    otelc_span_set_str(task, "gen_ai.operation.name", "invoke_agent");
    otelc_counter_add(
        otelc_telemetry_counter(agent, "ai_agent.requests", "{request}"), 1,
        OTELC_ATTRS(OTELC_STR("gen_ai.agent.name", "research-assistant")));
    otelc_log_info("planning the answer to \"%s\"", "What is OTLP?");
    work_ms(2);
    rag_query();
    llm_generate();
  }

  /* Flush and clean up, within 5 s whatever the exporters do: the tree is
   * printed here at the latest, and the last collection of metrics. */
  otelc_shutdown();
  return 0;
}

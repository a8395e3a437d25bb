/*
 * Log records before encoding: the two forms a batch comes in (an array
 * of otelc_log_data, or of records read through the public
 * otelc_log_record_data), the check both encoders rely on, and the entry
 * points: the internal ones on data (for tools and tests that build
 * records by hand) and the public otelc_otlp_encode_logs. The encoders
 * themselves are otlp_logs_pb.c and otlp_logs_json.c.
 *
 * Thread safety: records are only read; one buffer per call.
 */
#include "export/otlp/otlp_internal.h"
#include "otelc/otlp_encode.h"

static const otelc_log_data *data_at(const void *items, size_t i) {
  return ((const otelc_log_data *const *)items)[i];
}

static const otelc_log_data *record_at(const void *items, size_t i) {
  return otelc_log_record_data(((otelc_log_record *const *)items)[i]);
}

otelc__log_batch otelc__log_batch_of_data(const otelc_log_data *const *recs,
                                          size_t n) {
  return (otelc__log_batch){recs, n, data_at};
}

otelc__log_batch otelc__log_batch_of_records(otelc_log_record *const *recs,
                                             size_t n) {
  return (otelc__log_batch){recs, n, record_at};
}

otelc_status otelc__otlp_logs_check(const otelc__log_batch *b) {
  if (!b || (b->n && !b->items))
    return OTELC_ERR_INVALID_ARG;
  bool records = b->at == record_at;
  for (size_t i = 0; i < b->n; i++) {
    /* A NULL record is refused before otelc_log_record_data sees it. */
    if (records && !((otelc_log_record *const *)b->items)[i])
      return OTELC_ERR_INVALID_ARG;
    if (!b->at(b->items, i))
      return OTELC_ERR_INVALID_ARG;
  }
  return OTELC_OK;
}

otelc_status otelc__otlp_logs_pb(otelc__buf *out,
                                 const otelc_log_data *const *recs, size_t n) {
  otelc__log_batch b = otelc__log_batch_of_data(recs, n);
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = otelc__otlp_logs_check(&b);
  return st == OTELC_OK ? otelc__otlp_logs_pb_batch(out, &b) : st;
}

otelc_status otelc__otlp_logs_json(otelc__buf *out,
                                   const otelc_log_data *const *recs,
                                   size_t n) {
  otelc__log_batch b = otelc__log_batch_of_data(recs, n);
  if (!out)
    return OTELC_ERR_INVALID_ARG;
  otelc_status st = otelc__otlp_logs_check(&b);
  return st == OTELC_OK ? otelc__otlp_logs_json_batch(out, &b) : st;
}

static otelc_status logs_pb(otelc__buf *out, const void *arg) {
  return otelc__otlp_logs_pb_batch(out, arg);
}

static otelc_status logs_json(otelc__buf *out, const void *arg) {
  return otelc__otlp_logs_json_batch(out, arg);
}

otelc_status otelc_otlp_encode_logs(otelc_log_record *const *records, size_t n,
                                    otelc_otlp_format format,
                                    otelc_otlp_buffer *buf) {
  if (!buf || (format != OTELC_OTLP_PROTOBUF && format != OTELC_OTLP_JSON))
    return OTELC_ERR_INVALID_ARG;
  otelc__log_batch b = otelc__log_batch_of_records(records, n);
  otelc_status st = otelc__otlp_logs_check(&b);
  if (st != OTELC_OK)
    return st;
  return otelc__otlp_with_buffer(
      buf, format == OTELC_OTLP_PROTOBUF ? logs_pb : logs_json, &b);
}

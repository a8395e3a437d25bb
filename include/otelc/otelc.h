/*
 * otelc/otelc.h - OpenTelemetry for C: include this one header.
 */
#ifndef OTELC_OTELC_H
#define OTELC_OTELC_H

#include "otelc/baggage.h"
#include "otelc/common.h"
#include "otelc/context.h"
#include "otelc/exporters.h"
#include "otelc/logs.h"
#include "otelc/metrics.h"
#include "otelc/otlp_encode.h"
#include "otelc/prometheus.h"
#include "otelc/propagation.h"
#include "otelc/resource.h"
#include "otelc/sampler.h"
#include "otelc/setup.h"
#include "otelc/span_processor.h"
#include "otelc/trace.h"
#include "otelc/version.h"

#endif /* OTELC_OTELC_H */

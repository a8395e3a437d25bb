# OTLP over gRPC: the exporter of libotelc_otlp with protocol grpc against
# tests/peers/otlp_grpc_receiver.js, a @grpc/grpc-js server on cleartext
# HTTP/2 (run_grpc.sh). Included by this directory's CMakeLists.txt.
#
#   integration.otlp_grpc  plain and gzip, headers, endpoint rules
#                          (INSECURE, no v1/traces), retries on UNAVAILABLE
#                          and RetryInfo, INVALID_ARGUMENT, a slow server,
#                          partial success, nothing listening
if(TARGET otelc_otlp)
  add_test(NAME integration.otlp_grpc
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run_grpc.sh
            $<TARGET_FILE:otlp_tool> ${PROJECT_SOURCE_DIR})
  set_tests_properties(integration.otlp_grpc PROPERTIES
    LABELS integration TIMEOUT 300
    # The tests install tests/peers/node_modules; one at a time.
    RESOURCE_LOCK otelc_js_peers)
endif()

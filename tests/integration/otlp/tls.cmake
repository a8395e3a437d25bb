# OTLP/HTTP over TLS (included by CMakeLists.txt of this directory):
#
#   integration.otlp_tls  the OTLP/HTTP exporter (libotelc_otlp) against
#                         tests/peers/otlp_receiver.js serving HTTPS with a
#                         throwaway CA made by openssl: the CA given by
#                         OTEL_EXPORTER_OTLP_CERTIFICATE works; no CA, a
#                         wrong CA, a wrong host name or a missing CA file
#                         fail cleanly; mutual TLS with and without a
#                         client certificate (run_tls.sh)

if(TARGET otelc_otlp)
  find_program(OTELC_OPENSSL openssl)
  if(NOT OTELC_OPENSSL)
    message(WARNING
      "otelc: openssl not found: integration.otlp_tls will fail until it "
      "is installed (scripts/deps.sh installs it)")
  endif()

  add_test(NAME integration.otlp_tls
    COMMAND bash ${CMAKE_CURRENT_SOURCE_DIR}/run_tls.sh
            $<TARGET_FILE:otlp_tool> ${PROJECT_SOURCE_DIR})
  set_tests_properties(integration.otlp_tls PROPERTIES
    LABELS integration TIMEOUT 300
    # The JS peers are installed in tests/peers/node_modules; one at a time.
    RESOURCE_LOCK otelc_js_peers)
endif()

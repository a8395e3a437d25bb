# Install rules and the exported CMake package for otelc.
#
# Included by the top-level CMakeLists.txt once the targets otelc (shared)
# and otelc_static exist. After `cmake --install`, consumers use either
#
#   find_package(otelc CONFIG REQUIRED)
#   target_link_libraries(app PRIVATE otelc::otelc)        # or otelc::otelc_static
#
# or pkg-config:  cc app.c $(pkg-config --cflags --libs otelc)
#
# Parts of the project added later can extend the package without editing
# this file:
#   install(TARGETS <t> EXPORT otelcTargets ...)       # exported as otelc::<t>
#   set_property(GLOBAL APPEND PROPERTY OTELC_PACKAGE_DEPENDENCIES "CURL")
#       -> find_dependency(CURL) in otelcConfig.cmake
#   set_property(GLOBAL APPEND PROPERTY OTELC_PC_REQUIRES_PRIVATE "libcurl")
#   set_property(GLOBAL APPEND PROPERTY OTELC_PC_LIBS_PRIVATE "-lm")
# The package files are written at the end of the top-level directory, so
# such properties may be set anywhere in the project.

include_guard(GLOBAL)
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(OTELC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/otelc"
    CACHE STRING "Where otelcConfig.cmake is installed, relative to the prefix")
set(OTELC_INSTALL_PKGCONFIGDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where otelc.pc is installed, relative to the prefix")
mark_as_advanced(OTELC_INSTALL_CMAKEDIR OTELC_INSTALL_PKGCONFIGDIR)

# ---------------------------------------------------------------- targets --
install(TARGETS otelc otelc_static
  EXPORT otelcTargets
  LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          COMPONENT otelc_runtime
          NAMELINK_COMPONENT otelc_development
  ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
          COMPONENT otelc_development
  RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
          COMPONENT otelc_runtime
  INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/otelc"
  DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
  COMPONENT otelc_development
  FILES_MATCHING PATTERN "*.h")

install(EXPORT otelcTargets
  NAMESPACE otelc::
  FILE otelcTargets.cmake
  DESTINATION "${OTELC_INSTALL_CMAKEDIR}"
  COMPONENT otelc_development)

# Lets a project that adds otelc with add_subdirectory() or FetchContent
# use the same otelc::otelc names as an installed package (the ALIAS
# targets of the top-level CMakeLists.txt), and lets a build tree be found
# with -Dotelc_DIR=<build>.
export(EXPORT otelcTargets
  NAMESPACE otelc::
  FILE "${PROJECT_BINARY_DIR}/otelcTargets.cmake")

# ---------------------------------------------------- package files (late) --
function(_otelc_write_package_files)
  set(_gen "${PROJECT_BINARY_DIR}/otelc-package")

  # otelcConfig.cmake
  get_property(_deps GLOBAL PROPERTY OTELC_PACKAGE_DEPENDENCIES)
  set(OTELC_CONFIG_DEPENDENCIES "find_dependency(Threads)\n")
  if(_deps)
    list(REMOVE_DUPLICATES _deps)
    foreach(_d IN LISTS _deps)
      string(APPEND OTELC_CONFIG_DEPENDENCIES "find_dependency(${_d})\n")
    endforeach()
  endif()
  configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/otelcConfig.cmake.in"
    "${_gen}/otelcConfig.cmake"
    INSTALL_DESTINATION "${OTELC_INSTALL_CMAKEDIR}")
  write_basic_package_version_file("${_gen}/otelcConfigVersion.cmake"
    VERSION "${PROJECT_VERSION}"
    COMPATIBILITY SameMajorVersion)
  install(FILES "${_gen}/otelcConfig.cmake" "${_gen}/otelcConfigVersion.cmake"
    DESTINATION "${OTELC_INSTALL_CMAKEDIR}"
    COMPONENT otelc_development)
  # Build-tree copies, next to the export() file above.
  file(COPY "${_gen}/otelcConfigVersion.cmake" DESTINATION "${PROJECT_BINARY_DIR}")
  file(WRITE "${PROJECT_BINARY_DIR}/otelcConfig.cmake"
    "include(CMakeFindDependencyMacro)\n${OTELC_CONFIG_DEPENDENCIES}"
    "include(\"\${CMAKE_CURRENT_LIST_DIR}/otelcTargets.cmake\")\n")

  # otelc.pc: paths relative to the .pc file, so the installed tree can be
  # moved (and `cmake --install --prefix` works) without regenerating it.
  set(_pcdir "${OTELC_INSTALL_PKGCONFIGDIR}")
  if(IS_ABSOLUTE "${_pcdir}")
    set(OTELC_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  else()
    file(RELATIVE_PATH _up "/otelc-root/${_pcdir}" "/otelc-root")
    string(REGEX REPLACE "/$" "" _up "${_up}")
    set(OTELC_PC_PREFIX "\${pcfiledir}/${_up}")
  endif()
  foreach(_kind LIBDIR INCLUDEDIR)
    if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kind}}")
      set(OTELC_PC_${_kind} "${CMAKE_INSTALL_${_kind}}")
    else()
      set(OTELC_PC_${_kind} "\${prefix}/${CMAKE_INSTALL_${_kind}}")
    endif()
  endforeach()
  get_property(_req GLOBAL PROPERTY OTELC_PC_REQUIRES_PRIVATE)
  get_property(_libs GLOBAL PROPERTY OTELC_PC_LIBS_PRIVATE)
  list(REMOVE_DUPLICATES _req)
  list(REMOVE_DUPLICATES _libs)
  list(JOIN _req ", " OTELC_PC_REQUIRES_PRIVATE)
  list(PREPEND _libs "-pthread")
  list(JOIN _libs " " OTELC_PC_LIBS_PRIVATE)
  configure_file("${PROJECT_SOURCE_DIR}/cmake/otelc.pc.in"
                 "${_gen}/otelc.pc" @ONLY)
  install(FILES "${_gen}/otelc.pc"
    DESTINATION "${_pcdir}"
    COMPONENT otelc_development)
endfunction()

cmake_language(DEFER DIRECTORY "${PROJECT_SOURCE_DIR}"
               CALL _otelc_write_package_files)

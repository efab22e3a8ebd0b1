include_guard(GLOBAL)

# The Doxygen API reference. `docs` (with -DAIOSMPP_BUILD_DOCS=ON) writes HTML to
# <build>/docs/api/html; tests/docs registers a test that runs the same configuration and fails on
# any Doxygen warning, so the reference cannot rot even when nobody builds it.
option(AIOSMPP_BUILD_DOCS "Add the `docs` target (Doxygen API reference)" OFF)

find_package(Doxygen QUIET)

# aiosmpp_configure_doxyfile(<doxyfile> <output dir> <warning log>)
# Writes a Doxyfile for the public headers from docs/Doxyfile.in.
function(aiosmpp_configure_doxyfile doxyfile output_dir warn_log)
  set(AIOSMPP_DOCS_OUTPUT ${output_dir})
  set(AIOSMPP_DOCS_WARN_LOG ${warn_log})
  configure_file(${PROJECT_SOURCE_DIR}/docs/Doxyfile.in ${doxyfile} @ONLY)
endfunction()

if(AIOSMPP_BUILD_DOCS)
  if(NOT DOXYGEN_FOUND)
    message(FATAL_ERROR "aiosmpp: AIOSMPP_BUILD_DOCS needs Doxygen (Debian: doxygen)")
  endif()
  set(_out ${PROJECT_BINARY_DIR}/docs/api)
  aiosmpp_configure_doxyfile(${PROJECT_BINARY_DIR}/docs/Doxyfile ${_out} ${_out}/warnings.log)
  file(GLOB_RECURSE _headers CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/aiosmpp/*.hpp
       ${PROJECT_SOURCE_DIR}/docs/api/*.dox)
  add_custom_command(
    OUTPUT ${_out}/html/index.html
    COMMAND ${CMAKE_COMMAND} -E make_directory ${_out}
    COMMAND Doxygen::doxygen ${PROJECT_BINARY_DIR}/docs/Doxyfile
    DEPENDS ${_headers} ${PROJECT_SOURCE_DIR}/docs/Doxyfile.in
    COMMENT "Doxygen: API reference in ${_out}/html"
    VERBATIM)
  add_custom_target(docs DEPENDS ${_out}/html/index.html)
endif()

# ctest script: runs Doxygen over the public headers and fails on any warning, printing them.
# -DDOXYGEN=<doxygen> -DDOXYFILE=<configured Doxyfile> -DOUTPUT=<output dir> -DWARN_LOG=<log>
file(REMOVE_RECURSE ${OUTPUT})
file(MAKE_DIRECTORY ${OUTPUT})
execute_process(COMMAND ${DOXYGEN} ${DOXYFILE} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "doxygen exited with ${rc}:\n${out}\n${err}")
endif()
set(warnings "")
if(EXISTS ${WARN_LOG})
  file(READ ${WARN_LOG} warnings)
endif()
# Doxygen also writes some diagnostics to stderr rather than the log.
string(STRIP "${warnings}${err}" warnings)
if(NOT warnings STREQUAL "")
  string(REGEX MATCHALL "\n" _lines "\n${warnings}")
  list(LENGTH _lines n)
  message(FATAL_ERROR "Doxygen reported ${n} warning line(s) in the public headers:\n${warnings}")
endif()
if(NOT EXISTS ${OUTPUT}/html/index.html)
  message(FATAL_ERROR "doxygen wrote no ${OUTPUT}/html/index.html")
endif()
message(STATUS "API reference: no Doxygen warnings")

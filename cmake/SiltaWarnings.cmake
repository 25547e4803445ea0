# Warning flags for Silta's own targets (never for third-party code).
# Resolved here so scratch projects that include this file find the engine headers too.
get_filename_component(SILTA_SRC_ROOT "${CMAKE_CURRENT_LIST_DIR}/../src" ABSOLUTE)
function(silta_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wcast-align -Wunused -Woverloaded-virtual
                                           -Wimplicit-fallthrough)
  if(SILTA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# silta_module(NAME SOURCES ... DEPS ...): a static library for src/NAME with src/ as include root.
function(silta_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(silta_${name} STATIC ${ARG_SOURCES})
  add_library(silta::${name} ALIAS silta_${name})
  target_include_directories(silta_${name} PUBLIC ${SILTA_SRC_ROOT})
  target_link_libraries(silta_${name} PUBLIC ${ARG_DEPS})
  silta_target_warnings(silta_${name})
  silta_graph_node(${name} silta_${name})
endfunction()

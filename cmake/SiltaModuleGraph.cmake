# The module graph as CMake sees it: every Silta library and the front end, with the Silta
# targets each links directly. Written at configure time to ${PROJECT_BINARY_DIR}/module-graph.json
# so that scripts/module-graph.js can hold docs/architecture.md and the #includes to the real
# dependencies (ctest module_graph) instead of to a drawing someone keeps by hand.

# silta_graph_node(NAME TARGET): records TARGET, built from the current source folder, as node
# NAME. silta_module() and silta_adapter() call it; other targets call it themselves.
function(silta_graph_node name target)
  file(RELATIVE_PATH dir ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set_property(GLOBAL APPEND PROPERTY SILTA_GRAPH_NODES ${name})
  set_property(GLOBAL PROPERTY SILTA_GRAPH_TARGET_${name} ${target})
  set_property(GLOBAL PROPERTY SILTA_GRAPH_DIR_${name} ${dir})
endfunction()

# Called once every target exists.
function(silta_write_module_graph out)
  get_property(nodes GLOBAL PROPERTY SILTA_GRAPH_NODES)
  # Target name -> node name, for both spellings a CMakeLists.txt may link (silta_x, silta::x).
  foreach(node ${nodes})
    get_property(target GLOBAL PROPERTY SILTA_GRAPH_TARGET_${node})
    set(node_of_${target} ${node})
    string(REGEX REPLACE "^silta_" "silta::" alias ${target})
    set(node_of_${alias} ${node})
  endforeach()
  set(entries "")
  foreach(node ${nodes})
    get_property(target GLOBAL PROPERTY SILTA_GRAPH_TARGET_${node})
    get_property(dir GLOBAL PROPERTY SILTA_GRAPH_DIR_${node})
    get_target_property(libs ${target} LINK_LIBRARIES)
    set(deps "")
    if(libs)
      foreach(lib ${libs})
        if(DEFINED node_of_${lib})
          list(APPEND deps "\"${node_of_${lib}}\"")
        endif()
      endforeach()
    endif()
    list(REMOVE_DUPLICATES deps)
    list(JOIN deps ", " deps_json)
    list(APPEND entries
         "    {\"name\": \"${node}\", \"target\": \"${target}\", \"dir\": \"${dir}\", \"deps\": [${deps_json}]}")
  endforeach()
  list(JOIN entries ",\n" entries_json)
  file(CONFIGURE OUTPUT ${out} CONTENT "{\n  \"nodes\": [\n${entries_json}\n  ]\n}\n")
endfunction()

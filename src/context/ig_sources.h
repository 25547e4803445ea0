// What `silta validate --ig` takes, as the HL7 validator's users pass it: an installed package
// (name#version), a package folder, a package tarball (.tgz), a conformance resource file (JSON
// or XML, a Bundle of them too) or a folder of loose conformance resources.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/issues.h"
#include "base/status.h"
#include "model/type_model.h"
#include "packages/packages.h"

namespace silta::context {

struct IgSources {
  // Packages to load from the cache, with their dependencies: the installed ones named, and the
  // dependencies of package folders and tarballs.
  std::vector<packages::PackageId> from_cache;
  // Package folders and tarballs read where they are, and the loose resources (one in-memory
  // package per --ig), in the order given: they come before the cached packages.
  std::vector<std::shared_ptr<const packages::Package>> local;
};

// Sorts out each --ig. Every problem in a file (not JSON or XML, not a resource, malformed at a
// line and column) goes to `issues` naming the file and place; InvalidArgument when any was an
// error or an --ig names nothing that exists.
StatusOr<IgSources> ReadIgSources(const std::vector<std::string>& igs,
                                  std::shared_ptr<const model::TypeModel> model, IssueSink& issues);

}  // namespace silta::context

// The TerminologyService's shared state: the code systems and expansions it has built, cached
// for the life of the service. Internal to the terminology module.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "terminology/code_system.h"
#include "terminology/expansion.h"
#include "terminology/terminology.h"

namespace silta::terminology {

namespace internal {

struct CachedCodeSystem {
  Status status;
  std::shared_ptr<const CodeSystem> code_system;
};

struct CachedExpansion {
  Status status;
  std::shared_ptr<const Expansion> expansion;
};

}  // namespace internal

class TerminologyService::Impl {
 public:
  Impl(const packages::ConformanceContext& context, Options options)
      : context_(context), options_(options) {}

  // The CodeSystem for `system` (the given version, else the latest), nullptr when the packages
  // have none. A missing version falls back to the latest and says so in `note`.
  StatusOr<std::shared_ptr<const internal::CodeSystem>> GetCodeSystem(
      std::string_view system, std::string_view version = {}, std::string* note = nullptr) const;

  // The expansion of `canonical` ("url" or "url|version"); nullptr when it is not in the
  // packages.
  StatusOr<std::shared_ptr<const internal::Expansion>> GetExpansion(
      std::string_view canonical) const;

  // The ValueSet's JSON as the packages hold it; empty when they do not.
  std::string ValueSetJson(std::string_view canonical) const;

  const RemoteTerminology* remote() const { return options_.remote.get(); }

 private:
  using Stack = std::vector<std::string>;

  static std::shared_ptr<const internal::CodeSystem> Usable(
      std::shared_ptr<const internal::CodeSystem> cs);
  packages::ResourceRef FindValueSet(std::string_view canonical) const;
  StatusOr<std::shared_ptr<const internal::Expansion>> GetExpansion(std::string_view canonical,
                                                                    Stack& stack) const;
  StatusOr<std::shared_ptr<const internal::Expansion>> Compute(const packages::ResourceRef& ref,
                                                               std::string_view canonical,
                                                               Stack& stack) const;
  StatusOr<internal::Expansion> EvaluateCompose(const rapidjson::Value& compose,
                                                Stack& stack) const;
  StatusOr<internal::Expansion> EvaluateInclude(const rapidjson::Value& include,
                                                Stack& stack) const;
  StatusOr<internal::Expansion> EvaluateSystem(const rapidjson::Value& include) const;
  internal::Expansion FromStoredExpansion(const rapidjson::Value& expansion) const;
  bool TooBig(const internal::Expansion& e) const {
    return e.CodeCount() > options_.max_expansion_size;
  }
  internal::Expansion TooCostly(std::string_view what) const;

  const packages::ConformanceContext& context_;
  Options options_;

  // Readers share cache_mu_; expansions are computed one at a time under compute_mu_, which is
  // recursive because imports expand other value sets. One compute lock (rather than one per
  // value set) cannot deadlock on import cycles across threads, and first expansions are cheap.
  mutable std::shared_mutex cache_mu_;
  mutable std::recursive_mutex compute_mu_;
  mutable std::unordered_map<const packages::ResourceEntry*, internal::CachedCodeSystem>
      code_systems_;
  mutable std::unordered_map<const packages::ResourceEntry*, internal::CachedExpansion> expansions_;
};

}  // namespace silta::terminology

// Copies a resource's JSON without its narrative, event by event from RapidJSON's SAX reader to
// its writer, so that numbers keep their spelling and members their order.
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "packages/internal.h"

namespace silta::packages::internal {

namespace {

class NarrativeFilter {
 public:
  explicit NarrativeFilter(rapidjson::Writer<rapidjson::StringBuffer>& out) : out_(out) {}

  bool Null() {
    return Scalar([&] { return out_.Null(); });
  }
  bool Bool(bool b) {
    return Scalar([&] { return out_.Bool(b); });
  }
  bool Int(int) { return false; }  // unreachable with kParseNumbersAsStringsFlag
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType length, bool) {
    // Not the writer's RawNumber, which (RapidJSON 1.1.0) puts the number in quotes.
    return Scalar([&] { return out_.RawValue(s, length, rapidjson::kNumberType); });
  }
  bool String(const char* s, rapidjson::SizeType length, bool) {
    return Scalar([&] { return out_.String(s, length); });
  }
  bool StartObject() {
    return Open([&] { return out_.StartObject(); });
  }
  bool EndObject(rapidjson::SizeType) {
    return Close([&] { return out_.EndObject(); });
  }
  bool StartArray() {
    return Open([&] { return out_.StartArray(); });
  }
  bool EndArray(rapidjson::SizeType) {
    return Close([&] { return out_.EndArray(); });
  }
  bool Key(const char* s, rapidjson::SizeType length, bool) {
    if (skipped_open_ > 0) return true;
    if (depth_ == 1 && std::string_view(s, length) == "text") {
      skip_value_ = true;
      return true;
    }
    return out_.Key(s, length);
  }

 private:
  template <typename Write>
  bool Scalar(Write write) {
    if (skipped_open_ > 0) return true;
    if (skip_value_) {
      skip_value_ = false;
      return true;
    }
    return write();
  }
  template <typename Write>
  bool Open(Write write) {
    if (skipped_open_ > 0 || skip_value_) {
      skip_value_ = false;
      ++skipped_open_;
      return true;
    }
    ++depth_;
    return write();
  }
  template <typename Write>
  bool Close(Write write) {
    if (skipped_open_ > 0) {
      --skipped_open_;
      return true;
    }
    --depth_;
    return write();
  }

  rapidjson::Writer<rapidjson::StringBuffer>& out_;
  int depth_ = 0;            // containers written and still open
  int skipped_open_ = 0;     // containers of the narrative still open
  bool skip_value_ = false;  // the next value is the narrative
};

}  // namespace

std::optional<std::string> WithoutNarrative(std::string_view json) {
  rapidjson::StringBuffer buffer;
  buffer.Reserve(json.size() / 2);
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  NarrativeFilter filter(writer);
  rapidjson::Reader reader;
  rapidjson::MemoryStream stream(json.data(), json.size());
  rapidjson::ParseResult result =
      reader.Parse<rapidjson::kParseNumbersAsStringsFlag | rapidjson::kParseIterativeFlag>(stream,
                                                                                           filter);
  if (result.IsError()) return std::nullopt;
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace silta::packages::internal

// FHIRPath values: a node of the element tree, or a System value (Boolean, Integer, Decimal,
// String, Date, DateTime, Time, Quantity) computed or written as a literal. Values are small
// (32 bytes) and trivially copyable: text is viewed, never owned. A view points into the
// document (element values), the compiled expression (literals) or a StringArena that the
// evaluation result carries (computed strings).
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "base/attributes.h"
#include "fhirpath/datetime.h"
#include "fhirpath/decimal.h"
#include "model/element.h"

namespace silta::fhirpath {

enum class ValueType : uint8_t {
  kElement,
  kBoolean,
  kInteger,
  kDecimal,
  kString,
  kDate,
  kDateTime,
  kTime,
  kQuantity,
  kTypeInfo,  // the result of type(): a namespace and a name
};

class Value {
 public:
  Value() { u_.integer = 0; }

  static Value Node(const model::Element* e) {
    Value v(ValueType::kElement);
    v.u_.element = e;
    return v;
  }
  static Value Boolean(bool b) {
    Value v(ValueType::kBoolean);
    v.u_.integer = 0;
    v.u_.boolean = b;
    return v;
  }
  static Value Integer(int64_t i) {
    Value v(ValueType::kInteger);
    v.u_.integer = i;
    return v;
  }
  static Value Dec(const Decimal& d) {
    Value v(ValueType::kDecimal);
    v.SetDecimal(d);
    return v;
  }
  // `s` must outlive the value.
  static Value String(std::string_view s SILTA_LIFETIMEBOUND) {
    Value v(ValueType::kString);
    v.SetText(s);
    return v;
  }
  static Value Temporal(DtKind kind, const DateTime& dt) {
    Value v(kind == DtKind::kDate       ? ValueType::kDate
            : kind == DtKind::kDateTime ? ValueType::kDateTime
                                        : ValueType::kTime);
    std::memcpy(v.u_.dt, &dt, sizeof dt);
    return v;
  }
  // `unit` must outlive the value.
  static Value Quantity(const Decimal& amount, std::string_view unit SILTA_LIFETIMEBOUND) {
    Value v(ValueType::kQuantity);
    v.SetDecimal(amount);
    v.SetText(unit);
    return v;
  }
  // Both views must outlive the value (they are string literals or type-model names).
  static Value TypeInfo(std::string_view ns SILTA_LIFETIMEBOUND,
                        std::string_view name SILTA_LIFETIMEBOUND) {
    Value v(ValueType::kTypeInfo);
    v.SetText(name);
    v.u_.ns.data = ns.data();
    v.u_.ns.size = ns.size();
    return v;
  }

  ValueType type() const { return type_; }
  bool is_element() const { return type_ == ValueType::kElement; }
  const model::Element* element() const { return u_.element; }
  bool boolean() const { return u_.boolean; }
  int64_t integer() const { return u_.integer; }
  Decimal decimal() const {
    Int128 m;
    std::memcpy(&m, u_.dec, sizeof m);
    return Decimal(m, scale_);
  }
  std::string_view string() const { return {text_, size_}; }
  std::string_view unit() const { return {text_, size_}; }
  DateTime datetime() const {
    DateTime dt;
    std::memcpy(&dt, u_.dt, sizeof dt);
    return dt;
  }
  DtKind dt_kind() const {
    return type_ == ValueType::kDate       ? DtKind::kDate
           : type_ == ValueType::kDateTime ? DtKind::kDateTime
                                           : DtKind::kTime;
  }
  std::string_view type_namespace() const { return {u_.ns.data, u_.ns.size}; }
  std::string_view type_name() const { return {text_, size_}; }

 private:
  explicit Value(ValueType t) : type_(t) {}
  void SetDecimal(const Decimal& d) {
    Int128 m = d.mantissa();
    std::memcpy(u_.dec, &m, sizeof m);
    scale_ = static_cast<int16_t>(d.scale());
  }
  void SetText(std::string_view s) {
    text_ = s.data();
    size_ = static_cast<uint32_t>(s.size());
  }

  ValueType type_ = ValueType::kBoolean;
  int16_t scale_ = 0;
  uint32_t size_ = 0;
  const char* text_ = nullptr;
  union {
    const model::Element* element;
    bool boolean;
    int64_t integer;
    alignas(8) unsigned char dec[16];
    alignas(2) unsigned char dt[sizeof(DateTime)];
    struct {
      const char* data;
      size_t size;
    } ns;
  } u_;
};

static_assert(std::is_trivially_copyable_v<Value>);
static_assert(sizeof(Value) <= 32);

// A vector that keeps its first N items inline: most FHIRPath collections hold 0-3 items, so
// evaluation rarely touches the heap. Only for trivially copyable T.
template <typename T, size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& other) { Append(other.begin(), other.end()); }
  SmallVector(SmallVector&& other) noexcept { MoveFrom(other); }
  SmallVector& operator=(const SmallVector& other) {
    if (this != &other) {
      size_ = 0;
      Append(other.begin(), other.end());
    }
    return *this;
  }
  SmallVector& operator=(SmallVector&& other) noexcept {
    if (this != &other) {
      Release();
      MoveFrom(other);
    }
    return *this;
  }
  ~SmallVector() { Release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return data_; }
  const T* data() const { return data_; }
  T* begin() { return data_; }
  T* end() { return data_ + size_; }
  const T* begin() const { return data_; }
  const T* end() const { return data_ + size_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  T& front() { return data_[0]; }
  const T& front() const { return data_[0]; }
  T& back() { return data_[size_ - 1]; }
  const T& back() const { return data_[size_ - 1]; }

  void clear() { size_ = 0; }
  void push_back(const T& v) {
    if (size_ == capacity_) Grow(size_ + 1);
    data_[size_++] = v;
  }
  void pop_back() { --size_; }
  void reserve(size_t n) {
    if (n > capacity_) Grow(n);
  }
  void resize(size_t n) {
    reserve(n);
    for (size_t i = size_; i < n; ++i) data_[i] = T();
    size_ = n;
  }
  void Append(const T* first, const T* last) {
    size_t n = static_cast<size_t>(last - first);
    if (n == 0) return;
    reserve(size_ + n);
    std::memcpy(static_cast<void*>(data_ + size_), first, n * sizeof(T));
    size_ += n;
  }
  template <typename C>
  void Append(const C& other) {
    Append(other.begin(), other.end());
  }
  void erase_prefix(size_t n) {
    if (n >= size_) {
      size_ = 0;
      return;
    }
    std::memmove(static_cast<void*>(data_), data_ + n, (size_ - n) * sizeof(T));
    size_ -= n;
  }
  void truncate(size_t n) {
    if (n < size_) size_ = n;
  }

 private:
  void Grow(size_t min) {
    size_t cap = capacity_ * 2;
    if (cap < min) cap = min;
    T* fresh = static_cast<T*>(::operator new(cap * sizeof(T)));
    if (size_ != 0) std::memcpy(static_cast<void*>(fresh), data_, size_ * sizeof(T));
    Release();
    data_ = fresh;
    capacity_ = cap;
  }
  void Release() {
    if (data_ != inline_storage()) ::operator delete(data_);
    data_ = inline_storage();
    capacity_ = N;
  }
  void MoveFrom(SmallVector& other) {
    if (other.data_ == other.inline_storage()) {
      data_ = inline_storage();
      capacity_ = N;
      size_ = 0;
      Append(other.begin(), other.end());
    } else {
      data_ = other.data_;
      capacity_ = other.capacity_;
      size_ = other.size_;
      other.data_ = other.inline_storage();
      other.capacity_ = N;
    }
    other.size_ = 0;
  }
  T* inline_storage() { return reinterpret_cast<T*>(storage_); }

  T* data_ = inline_storage();
  size_t size_ = 0;
  size_t capacity_ = N;
  alignas(T) unsigned char storage_[N * sizeof(T)];
};

using ValueList = SmallVector<Value, 4>;

// Owns the text of computed strings (concatenations, substrings...) for as long as the values
// that view it are used.
class StringArena {
 public:
  StringArena() : resource_(buffer_, sizeof buffer_) {}
  StringArena(const StringArena&) = delete;
  StringArena& operator=(const StringArena&) = delete;

  std::string_view Copy(std::string_view text) {
    if (text.empty()) return {"", 0};
    char* mem = static_cast<char*>(resource_.allocate(text.size(), 1));
    std::memcpy(mem, text.data(), text.size());
    return {mem, text.size()};
  }

 private:
  unsigned char buffer_[256];
  std::pmr::monotonic_buffer_resource resource_;
};

// The System value of a FHIR primitive element (its lexical value read as Boolean, Integer,
// Decimal, String, Date, DateTime or Time) or of a Quantity element; nullopt when the element
// carries no value (only extensions) or is another complex type. System values map to
// themselves.
std::optional<Value> ToSystemValue(const Value& v);

// The FHIR type name of an element ("code", "HumanName", "Patient.contact") or the lower-case
// System type name of a System value ("boolean", "integer", "Quantity"...).
std::string_view TypeNameOf(const Value& v);

// The spec's string form (what toString() gives): "true", "1.50", "2015-02-04", "5 'mg'",
// "1 week". Elements give their primitive value, or "" for complex ones without one.
std::string ToStringForm(const Value& v);

}  // namespace silta::fhirpath

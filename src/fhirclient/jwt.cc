#include "fhirclient/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <memory>
#include <random>

#include "base/files.h"

namespace silta::fhirclient {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

std::string Base64(std::string_view bytes, bool url) {
  static constexpr char kStd[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  static constexpr char kUrl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const char* alphabet = url ? kUrl : kStd;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    if (rest == 2) out.push_back(alphabet[(v >> 6) & 63]);
    if (!url) out.append(rest == 2 ? "=" : "==");
  }
  return out;
}

}  // namespace

struct SigningKey::Impl {
  PkeyPtr key;
};

std::string_view JwtAlgorithmName(JwtAlgorithm algorithm) {
  return algorithm == JwtAlgorithm::kRS384 ? "RS384" : "ES384";
}

std::string Base64UrlEncode(std::string_view bytes) { return Base64(bytes, true); }
std::string Base64Encode(std::string_view bytes) { return Base64(bytes, false); }

StatusOr<SigningKey> SigningKey::FromPem(std::string_view pem, JwtAlgorithm algorithm) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return InternalError("cannot allocate a BIO");
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return InvalidArgumentError("not a PEM private key: " + OpenSslError());
  const int id = EVP_PKEY_get_base_id(key.get());
  if (algorithm == JwtAlgorithm::kRS384) {
    if (id != EVP_PKEY_RSA) return InvalidArgumentError("RS384 needs an RSA private key");
    if (EVP_PKEY_get_bits(key.get()) < 2048) {
      return InvalidArgumentError("RS384 needs an RSA key of at least 2048 bits");
    }
  } else {
    if (id != EVP_PKEY_EC) return InvalidArgumentError("ES384 needs an EC private key");
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key.get(), "group", group, sizeof group, &length) != 1 ||
        std::string_view(group) != "secp384r1") {
      return InvalidArgumentError("ES384 needs a P-384 (secp384r1) key");
    }
  }
  auto impl = std::make_shared<Impl>();
  impl->key = std::move(key);
  return SigningKey(std::move(impl), algorithm);
}

StatusOr<SigningKey> SigningKey::FromPemFile(const std::string& path, JwtAlgorithm algorithm) {
  SILTA_ASSIGN_OR_RETURN(std::string pem, ReadFile(path));
  StatusOr<SigningKey> key = FromPem(pem, algorithm);
  if (!key.ok()) return key.status().Annotate("reading key " + path);
  return key;
}

StatusOr<std::string> SigningKey::Sign(std::string_view header_json,
                                       std::string_view claims_json) const {
  std::string input = Base64UrlEncode(header_json) + "." + Base64UrlEncode(claims_json);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  if (!ctx) return InternalError("cannot allocate a digest context");
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, impl_->key.get()) != 1) {
    return InternalError("signing: " + OpenSslError());
  }
  size_t length = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (EVP_DigestSign(ctx.get(), nullptr, &length, data, input.size()) != 1) {
    return InternalError("signing: " + OpenSslError());
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                     input.size()) != 1) {
    return InternalError("signing: " + OpenSslError());
  }
  signature.resize(length);

  if (algorithm_ == JwtAlgorithm::kES384) {
    // OpenSSL yields DER; JWS wants R and S as two 48-byte big-endian integers.
    const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
    std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
        d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())), &ECDSA_SIG_free);
    if (!sig) return InternalError("signing: malformed ECDSA signature");
    const BIGNUM* r = ECDSA_SIG_get0_r(sig.get());
    const BIGNUM* s = ECDSA_SIG_get0_s(sig.get());
    std::string raw(96, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(r, out, 48) != 48 || BN_bn2binpad(s, out + 48, 48) != 48) {
      return InternalError("signing: ECDSA value too large");
    }
    signature = std::move(raw);
  }
  return input + "." + Base64UrlEncode(signature);
}

std::string RandomId() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // The CSPRNG only fails when unseeded, which OpenSSL 3 does not allow on Linux; a
    // non-unique jti would make the token endpoint refuse, not leak anything.
    std::random_device device;
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(device());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace silta::fhirclient

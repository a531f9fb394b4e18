// HS256 access tokens (net/access_token.hpp): our own signer and tokens built by hand the way other JWT
// libraries (e.g. the conformance harness) build them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "net/access_token.hpp"

using namespace actorhub;

namespace {

const std::string key = "conformance-secret-key-0123456789";

std::int64_t now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string b64url(const std::string& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

// header.payload.signature with HMAC over the given digest (nullptr: no signature, as alg "none").
std::string hand_token(const std::string& header, const std::string& payload, const std::string& k,
                       const EVP_MD* md = EVP_sha256()) {
  std::string signing_input = b64url(header) + "." + b64url(payload);
  if (!md) return signing_input + ".";
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, k.data(), static_cast<int>(k.size()), reinterpret_cast<const unsigned char*>(signing_input.data()),
       signing_input.size(), mac, &len);
  return signing_input + "." + b64url(std::string(reinterpret_cast<char*>(mac), len));
}

const std::string hs256_header = R"({"alg":"HS256","typ":"JWT"})";

std::string payload_with(const std::string& extra, std::int64_t exp_offset = 3600) {
  return R"({"iat":)" + std::to_string(now()) + R"(,"nbf":)" + std::to_string(now() - 5) + R"(,"exp":)" +
         std::to_string(now() + exp_offset) + (extra.empty() ? "" : "," + extra) + "}";
}

}  // namespace

TEST(AccessToken, SignedTokenRoundTrips) {
  object claims{{"nameid", "alice"}, {"role", "admin"}, {"exp", now() + 3600}, {"aud", "http://x/client/?hub=h"}};
  std::string tok = sign_access_token(claims, key);
  auto r = check_access_token(tok, key);
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_EQ(r.user_id, "alice");
  auto find = [&](const char* n) -> const value* {
    for (auto& [k, v] : r.claims)
      if (k == n) return &v;
    return nullptr;
  };
  ASSERT_NE(find("role"), nullptr);
  EXPECT_EQ(*find("role"), value("admin"));
  EXPECT_EQ(*find("aud"), value("http://x/client/?hub=h"));
  EXPECT_EQ(find("exp")->to_int64(), now() + 3600);
}

TEST(AccessToken, HandBuiltHs256TokenIsAccepted) {
  auto r = check_access_token(hand_token(hs256_header, payload_with(R"("nameid":"bob","role":"x")"), key), key);
  ASSERT_TRUE(r.valid) << r.error;
  EXPECT_EQ(r.user_id, "bob");
  // A token without "typ" works too.
  auto r2 = check_access_token(hand_token(R"({"alg":"HS256"})", payload_with(R"("sub":"s")"), key), key);
  EXPECT_TRUE(r2.valid) << r2.error;
}

TEST(AccessToken, UserIdIsNameidElseSubElseEmpty) {
  auto id = [&](const std::string& extra) {
    auto r = check_access_token(hand_token(hs256_header, payload_with(extra), key), key);
    EXPECT_TRUE(r.valid) << r.error;
    return r.user_id;
  };
  EXPECT_EQ(id(R"("nameid":"n","sub":"s")"), "n");
  EXPECT_EQ(id(R"("sub":"s")"), "s");
  EXPECT_EQ(id(R"("sub":12345)"), "12345");
  EXPECT_EQ(id(R"("nameid":18446744073709551615)"), "18446744073709551615");
  EXPECT_EQ(id(R"("nameid":{"x":1},"sub":"fallback")"), "fallback");
  EXPECT_EQ(id(R"("role":"anon")"), "");
  auto r = check_access_token(hand_token(hs256_header, payload_with(R"("role":"anon")"), key), key);
  EXPECT_TRUE(r.valid);
  EXPECT_FALSE(r.claims.empty());
}

TEST(AccessToken, NestedClaimsBecomeValues) {
  auto r = check_access_token(
      hand_token(hs256_header, payload_with(R"("nameid":"u","obj":{"a":[1,-2,2.5,true,null,"s"]})"), key), key);
  ASSERT_TRUE(r.valid) << r.error;
  const value* obj = nullptr;
  for (auto& [k, v] : r.claims)
    if (k == "obj") obj = &v;
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(*obj, value(object{{"a", array{1, -2, 2.5, true, nullptr, "s"}}}));
}

TEST(AccessToken, ExpiryWithSkew) {
  EXPECT_FALSE(check_access_token(hand_token(hs256_header, payload_with(R"("nameid":"u")", -120), key), key).valid);
  EXPECT_TRUE(check_access_token(hand_token(hs256_header, payload_with(R"("nameid":"u")", -30), key), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(hs256_header, payload_with(R"("nameid":"u")", -30), key), key,
                                  std::chrono::seconds(0))
                   .valid);
  auto r = check_access_token(hand_token(hs256_header, payload_with("", -3600), key), key);
  EXPECT_FALSE(r.valid);
  EXPECT_NE(r.error.find("xpire"), std::string::npos) << r.error;
}

TEST(AccessToken, NotBeforeInTheFuture) {
  auto tok = [&](std::int64_t nbf_offset) {
    return hand_token(hs256_header,
                      R"({"nameid":"u","nbf":)" + std::to_string(now() + nbf_offset) + R"(,"exp":)" +
                          std::to_string(now() + 7200) + "}",
                      key);
  };
  EXPECT_FALSE(check_access_token(tok(600), key).valid);
  EXPECT_TRUE(check_access_token(tok(30), key).valid);  // within the 60 s skew
  EXPECT_FALSE(check_access_token(tok(30), key, std::chrono::seconds(0)).valid);
}

TEST(AccessToken, ExpIsRequiredAndNumeric) {
  EXPECT_FALSE(check_access_token(hand_token(hs256_header, R"({"nameid":"u"})", key), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(hs256_header, R"({"nameid":"u","exp":"tomorrow"})", key), key).valid);
  EXPECT_FALSE(check_access_token(
                   hand_token(hs256_header, R"({"exp":)" + std::to_string(now() + 60) + R"(,"nbf":"x"})", key), key)
                   .valid);
}

TEST(AccessToken, WrongKeyAndEmptyKey) {
  std::string tok = hand_token(hs256_header, payload_with(R"("nameid":"u")"), key);
  EXPECT_FALSE(check_access_token(tok, key + "x").valid);
  EXPECT_FALSE(check_access_token(tok, "").valid);
  // Even a token signed with the empty key is rejected when the server has no key.
  EXPECT_FALSE(check_access_token(hand_token(hs256_header, payload_with(""), ""), "").valid);
}

TEST(AccessToken, OnlyHs256IsAccepted) {
  std::string p = payload_with(R"("nameid":"u")");
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"none","typ":"JWT"})", p, key, nullptr), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"none","typ":"JWT"})", p, key), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"None","typ":"JWT"})", p, key, nullptr), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"HS384","typ":"JWT"})", p, key, EVP_sha384()), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"HS512","typ":"JWT"})", p, key, EVP_sha512()), key).valid);
  // An HS256 signature under another algorithm's name (algorithm confusion) is rejected too.
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"RS256","typ":"JWT"})", p, key), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"alg":"HS384","typ":"JWT"})", p, key), key).valid);
  EXPECT_FALSE(check_access_token(hand_token(R"({"typ":"JWT"})", p, key), key).valid);
}

TEST(AccessToken, MalformedTokensNeverThrow) {
  std::string good = hand_token(hs256_header, payload_with(R"("nameid":"u")"), key);
  std::vector<std::string> bad = {
      "", ".", "..", "...", "a.b", "a.b.c", "abc", "Bearer " + good, good + "x", good + ".extra",
      good.substr(0, good.size() / 2), b64url("{") + "." + b64url("{}") + ".sig",
      b64url(hs256_header) + ".!!!!." + "sig", hand_token(hs256_header, "[1,2]", key),
      hand_token(hs256_header, "not json", key), hand_token("[]", payload_with(""), key),
      hand_token(R"({"alg":5})", payload_with(""), key), hand_token(R"({"alg":"HS256","typ":"XYZ"})", payload_with(""), key),
      hand_token(hs256_header, payload_with(R"("deep":)" + std::string(5000, '[') + std::string(5000, ']')), key),
      std::string(100000, 'a'), std::string("\0\xff\x01.\x80.\x7f", 7),
      // Bytes outside base64url (negative chars, padding, spaces) in each segment.
      b64url(hs256_header) + "\xff\xfe." + good.substr(good.find('.') + 1),
      good.substr(0, good.find('.') + 1) + "\x80" + good.substr(good.find('.') + 1), good + "\xc3\xa9",
      good + "=", "a=.b.c", " " + good, b64url(hs256_header) + ".e30.A"};
  for (const auto& t : bad) {
    token_check r;
    EXPECT_NO_THROW(r = check_access_token(t, key)) << t.substr(0, 80);
    EXPECT_FALSE(r.valid) << t.substr(0, 80);
    EXPECT_FALSE(r.error.empty());
  }
  std::uint32_t seed = 99;
  for (int i = 0; i < 2000; ++i) {
    std::string t = good;
    for (int j = 0; j < 3; ++j) {
      seed = seed * 1664525u + 1013904223u;
      t[seed % t.size()] = static_cast<char>(seed >> 24);
    }
    token_check r;
    EXPECT_NO_THROW(r = check_access_token(t, key));
  }
}

#include "identifiers/identifiers.h"

#include <gtest/gtest.h>

#include <string>

namespace silta::identifiers {
namespace {

constexpr std::string_view kCheckCharacters = "0123456789ABCDEFHJKLMNPRSTUVWXY";

// Builds a HETU with the right check character, so tests can vary one part at a time.
std::string MakeHetu(std::string_view ddmmyy, char sign, std::string_view individual) {
  std::string nine = std::string(ddmmyy) + std::string(individual);
  return std::string(ddmmyy) + sign + std::string(individual) + *HetuCheckCharacter(nine);
}

TEST(Hetu, PublishedExamplesAreValid) {
  EXPECT_TRUE(CheckHetu("131052-308T").ok());
  // DVV's examples of the new century signs (2023 reform).
  EXPECT_TRUE(CheckHetu("010594Y9021").ok());
  EXPECT_TRUE(CheckHetu("010594Y9032").ok());
}

TEST(Hetu, FactsOfAValidCode) {
  HetuFacts facts = ParseHetu("131052-308T");
  ASSERT_TRUE(facts.check.ok());
  EXPECT_EQ(facts.year, 1952);
  EXPECT_EQ(facts.month, 10);
  EXPECT_EQ(facts.day, 13);
  EXPECT_EQ(facts.individual_number, 308);
  EXPECT_FALSE(facts.temporary_or_test);
  EXPECT_FALSE(facts.odd_individual_number);
}

TEST(Hetu, EveryCenturySign) {
  struct Case {
    char sign;
    int year;
  };
  for (Case c :
       {Case{'+', 1890}, Case{'-', 1990}, Case{'Y', 1990}, Case{'X', 1990}, Case{'W', 1990},
        Case{'V', 1990}, Case{'U', 1990}, Case{'A', 2090}, Case{'B', 2090}, Case{'C', 2090},
        Case{'D', 2090}, Case{'E', 2090}, Case{'F', 2090}}) {
    HetuFacts facts = ParseHetu(MakeHetu("010190", c.sign, "123"));
    EXPECT_TRUE(facts.check.ok()) << c.sign << " " << facts.check.message;
    EXPECT_EQ(facts.year, c.year) << c.sign;
  }
}

TEST(Hetu, EveryOtherCharacterIsNotACenturySign) {
  std::string allowed = "+-YXWVUABCDEF";
  for (int ch = 1; ch < 128; ++ch) {
    char c = static_cast<char>(ch);
    if (allowed.find(c) != std::string::npos) continue;
    EXPECT_EQ(CheckHetu(MakeHetu("010190", c, "123")).code, "HETU_CENTURY_SIGN") << ch;
  }
}

TEST(Hetu, LeapDays) {
  EXPECT_TRUE(CheckHetu(MakeHetu("290200", 'A', "900")).ok());             // 2000: divisible by 400
  EXPECT_EQ(CheckHetu(MakeHetu("290200", '-', "900")).code, "HETU_DATE");  // 1900: not leap
  EXPECT_EQ(CheckHetu(MakeHetu("290200", '+', "900")).code, "HETU_DATE");  // 1800: not leap
  EXPECT_TRUE(CheckHetu(MakeHetu("290204", 'A', "900")).ok());
  EXPECT_TRUE(CheckHetu(MakeHetu("290296", 'Y', "900")).ok());
  EXPECT_EQ(CheckHetu(MakeHetu("290201", 'A', "900")).code, "HETU_DATE");
  EXPECT_EQ(CheckHetu(MakeHetu("300204", 'A', "900")).code, "HETU_DATE");
}

TEST(Hetu, CalendarDates) {
  EXPECT_TRUE(CheckHetu(MakeHetu("311299", '-', "900")).ok());
  EXPECT_TRUE(CheckHetu(MakeHetu("300499", '-', "900")).ok());
  EXPECT_EQ(CheckHetu(MakeHetu("310499", '-', "900")).code, "HETU_DATE");
  EXPECT_EQ(CheckHetu(MakeHetu("000199", '-', "900")).code, "HETU_DATE");
  EXPECT_EQ(CheckHetu(MakeHetu("010099", '-', "900")).code, "HETU_DATE");
  EXPECT_EQ(CheckHetu(MakeHetu("011399", '-', "900")).code, "HETU_DATE");
  EXPECT_EQ(CheckHetu(MakeHetu("320199", '-', "900")).code, "HETU_DATE");
}

TEST(Hetu, EveryDayOfTwoYearsWithEveryCheckCharacter) {
  // 1999 (common) and 2000 (leap): each real day validates, and exactly one check character
  // fits each code.
  const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int valid = 0;
  for (auto [yy, sign, leap] : {std::tuple{"99", '-', false}, std::tuple{"00", 'A', true}}) {
    for (int month = 1; month <= 12; ++month) {
      int last = days[month - 1] + (leap && month == 2 ? 1 : 0);
      for (int day = 1; day <= last; ++day) {
        char date[32];
        std::snprintf(date, sizeof date, "%02d%02d%s", day, month, yy);
        std::string code = MakeHetu(date, sign, "902");
        int fitting = 0;
        for (char check : kCheckCharacters) {
          code[10] = check;
          if (CheckHetu(code).ok()) ++fitting;
        }
        EXPECT_EQ(fitting, 1) << date;
        valid += fitting;
      }
    }
  }
  EXPECT_EQ(valid, 365 + 366);
}

TEST(Hetu, CheckCharacterTable) {
  // Remainders 0..30 map onto the 31 characters, skipping G, I, O, Q and Z.
  for (int r = 0; r < 31; ++r) {
    // 000000000 + r: the date is not real but the arithmetic is what matters here.
    char nine[32];
    std::snprintf(nine, sizeof nine, "%09d", r);
    EXPECT_EQ(*HetuCheckCharacter(nine), kCheckCharacters[static_cast<size_t>(r)]);
  }
  EXPECT_FALSE(HetuCheckCharacter("12345678").has_value());
  EXPECT_FALSE(HetuCheckCharacter("12345678X").has_value());
}

TEST(Hetu, WrongCheckCharacter) {
  EXPECT_EQ(CheckHetu("131052-308U").code, "HETU_CHECK_CHARACTER");
  EXPECT_EQ(CheckHetu("131052-308t").code, "HETU_CHECK_CHARACTER");
  EXPECT_EQ(CheckHetu("131052-308G").code, "HETU_CHECK_CHARACTER");
}

TEST(Hetu, IndividualNumbers) {
  EXPECT_EQ(CheckHetu(MakeHetu("010190", '-', "000")).code, "HETU_INDIVIDUAL_NUMBER");
  EXPECT_EQ(CheckHetu(MakeHetu("010190", '-', "001")).code, "HETU_INDIVIDUAL_NUMBER");
  HetuFacts normal = ParseHetu(MakeHetu("010190", '-', "899"));
  ASSERT_TRUE(normal.check.ok());
  EXPECT_FALSE(normal.temporary_or_test);
  EXPECT_TRUE(normal.odd_individual_number);
  for (const char* n : {"900", "950", "999"}) {
    HetuFacts test = ParseHetu(MakeHetu("010190", '-', n));
    ASSERT_TRUE(test.check.ok()) << n;
    EXPECT_TRUE(test.temporary_or_test) << n;
  }
  EXPECT_TRUE(CheckHetu(MakeHetu("010190", '-', "002")).ok());
}

TEST(Hetu, SyntaxFailures) {
  EXPECT_EQ(CheckHetu("").code, "HETU_EMPTY");
  EXPECT_EQ(CheckHetu("131052-308").code, "HETU_LENGTH");
  EXPECT_EQ(CheckHetu("131052-308TT").code, "HETU_LENGTH");
  EXPECT_EQ(CheckHetu("13105a-308T").code, "HETU_DATE_SYNTAX");
  EXPECT_EQ(CheckHetu("131052-3x8T").code, "HETU_INDIVIDUAL_SYNTAX");
  EXPECT_EQ(CheckHetu("131052 308T").code, "HETU_CENTURY_SIGN");
}

TEST(Hetu, MessagesNeverContainTheValue) {
  for (const char* bad : {"131052-308U", "131052-308", "310452-308T", "131052-001T"}) {
    Check c = CheckHetu(bad);
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(std::string(c.message).find("131052"), std::string::npos) << c.message;
    EXPECT_EQ(std::string(c.message).find("310452"), std::string::npos) << c.message;
    EXPECT_FALSE(c.message.empty());
  }
}

TEST(Masking, Hetu) {
  EXPECT_EQ(MaskHetu("010190-999W"), "010190-****");
  EXPECT_EQ(MaskHetu("010594Y9021"), "010594Y****");
  EXPECT_EQ(MaskHetu("0101"), "****");
  EXPECT_EQ(MaskHetu(""), "****");
}

TEST(Masking, AnyIdentifier) {
  EXPECT_EQ(MaskIdentifier("TMP-12345"), "TM*******");
  EXPECT_EQ(MaskIdentifier("abc"), "a**");
  EXPECT_EQ(MaskIdentifier("ab", 5), "a*");
  EXPECT_EQ(MaskIdentifier(""), "");
}

TEST(BusinessId, ValidIds) {
  for (const char* id : {"0246246-0", "0245437-2", "1572860-0", "0737546-2"}) {
    EXPECT_TRUE(CheckBusinessId(id).ok()) << id;
  }
}

TEST(BusinessId, CheckDigitRules) {
  EXPECT_EQ(*BusinessIdCheckDigit("0246246"), '0');           // remainder 0 → 0
  EXPECT_EQ(*BusinessIdCheckDigit("0737546"), '2');           // remainder 9 → 11 - 9
  EXPECT_EQ(*BusinessIdCheckDigit("1234567"), '1');           // remainder 10 → 1
  EXPECT_FALSE(BusinessIdCheckDigit("1000008").has_value());  // remainder 1
  EXPECT_EQ(CheckBusinessId("1000008-1").code, "BUSINESS_ID_REMAINDER_ONE");
  EXPECT_EQ(CheckBusinessId("0246246-1").code, "BUSINESS_ID_CHECK_DIGIT");
  EXPECT_EQ(CheckBusinessId("0737546-3").code, "BUSINESS_ID_CHECK_DIGIT");
}

TEST(BusinessId, ExactlyOneCheckDigitFitsEveryNumber) {
  // Over a sample of numbers: either no digit fits (remainder 1) or exactly one.
  for (int n = 0; n < 10000000; n += 7919) {
    char seven[32];
    std::snprintf(seven, sizeof seven, "%07d", n);
    int fitting = 0;
    for (char d = '0'; d <= '9'; ++d) {
      if (CheckBusinessId(std::string(seven) + "-" + d).ok()) ++fitting;
    }
    EXPECT_EQ(fitting, BusinessIdCheckDigit(seven) ? 1 : 0) << seven;
  }
}

TEST(BusinessId, Syntax) {
  EXPECT_EQ(CheckBusinessId("").code, "BUSINESS_ID_EMPTY");
  EXPECT_EQ(CheckBusinessId("02462460").code, "BUSINESS_ID_SYNTAX");
  EXPECT_EQ(CheckBusinessId("246246-0").code, "BUSINESS_ID_SYNTAX");
  EXPECT_EQ(CheckBusinessId("02462a6-0").code, "BUSINESS_ID_SYNTAX");
  EXPECT_EQ(CheckBusinessId("0246246-x").code, "BUSINESS_ID_CHECK_DIGIT");
}

TEST(Oid, Syntax) {
  for (const char* ok : {"1.2.246.10.2797329.22.2024", "2.16.840.1.113883", "0.39", "1.0"}) {
    EXPECT_TRUE(CheckOid(ok).ok()) << ok;
  }
  EXPECT_EQ(CheckOid("").code, "OID_EMPTY");
  EXPECT_EQ(CheckOid("urn:oid:1.2.246").code, "OID_URN_PREFIX");
  EXPECT_EQ(CheckOid("1").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid("1.2.").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid(".1.2").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid("1..2").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid("1.02.246").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid("1.2.x").code, "OID_SYNTAX");
  EXPECT_EQ(CheckOid("3.1").code, "OID_FIRST_ARC");
  EXPECT_EQ(CheckOid("1.40").code, "OID_SECOND_ARC");
  EXPECT_TRUE(CheckOid("2.999").ok());
}

TEST(Oid, FinnishArcs) {
  EXPECT_TRUE(OidIsUnder("1.2.246.10.1", kOrganisationArc));
  EXPECT_TRUE(OidIsUnder("1.2.246", kFinlandArc));
  EXPECT_FALSE(OidIsUnder("1.2.2460.1", kFinlandArc));
  EXPECT_TRUE(OidIsUnder("1.2.246.537.6.21", kThlCodeSystemArc));
  EXPECT_TRUE(CheckOrganisationOid("1.2.246.10.2797329.10.0").ok());
  EXPECT_EQ(CheckOrganisationOid("1.2.246.10").code, "OID_NOT_ORGANISATION");
  EXPECT_EQ(CheckOrganisationOid("1.2.246.537.6.21").code, "OID_NOT_ORGANISATION");
  EXPECT_EQ(CheckOrganisationOid("1.2.246.x").code, "OID_SYNTAX");
}

TEST(TemporaryId, Issuer) {
  TemporaryIssuer issuer = ParseTemporaryIdIssuer("1.2.246.10.15675350.22.2024");
  ASSERT_TRUE(issuer.check.ok()) << issuer.check.message;
  EXPECT_EQ(issuer.business_id, "1567535-0");
  EXPECT_EQ(issuer.year, 2024);
  // OID arcs have no leading zeros: a business id starting with 0 appears without it.
  TemporaryIssuer kela = ParseTemporaryIdIssuer("1.2.246.10.2462460.22.2025");
  ASSERT_TRUE(kela.check.ok()) << kela.check.message;
  EXPECT_EQ(kela.business_id, "0246246-0");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.02462460.22.2024").check.code, "OID_SYNTAX");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.15675351.22.2024").check.code,
            "TEMPORARY_ISSUER_BUSINESS_ID");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.15675350.10.2024").check.code,
            "TEMPORARY_ISSUER_FORM");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.156753.22.2024").check.code,
            "TEMPORARY_ISSUER_FORM");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.15675350.22.24").check.code,
            "TEMPORARY_ISSUER_FORM");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.15675350.22.2024.1").check.code,
            "TEMPORARY_ISSUER_FORM");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.11.15675350.22.2024").check.code,
            "TEMPORARY_ISSUER_FORM");
  EXPECT_EQ(ParseTemporaryIdIssuer("1.2.246.10.15675350.22.").check.code, "OID_SYNTAX");
}

TEST(TemporaryId, Value) {
  EXPECT_TRUE(CheckTemporaryId("TP-2024-000117", "1.2.246.10.15675350.22.2024").ok());
  EXPECT_EQ(CheckTemporaryId("", "1.2.246.10.15675350.22.2024").code, "TEMPORARY_ID_EMPTY");
  EXPECT_EQ(CheckTemporaryId("TP 1", "1.2.246.10.15675350.22.2024").code, "TEMPORARY_ID_SYNTAX");
  EXPECT_EQ(CheckTemporaryId("TP-1", "1.2.246.10.15675350").code, "TEMPORARY_ISSUER_FORM");
}

}  // namespace
}  // namespace silta::identifiers

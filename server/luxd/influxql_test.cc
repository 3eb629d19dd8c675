#include "server/luxd/influxql.h"

#include "gtest/gtest.h"

namespace lux::luxd {
namespace {

TEST(InfluxqlTest, ParsesTheAdminStatementsClientsSend) {
  auto st = ParseStatements(
      "CREATE DATABASE \"farm one\"; show databases;"
      "CREATE RETENTION POLICY week ON farm DURATION 7d REPLICATION 1 SHARD DURATION 1d DEFAULT;"
      "SHOW RETENTION POLICIES ON farm; DROP DATABASE x");
  ASSERT_TRUE(st.ok()) << st.status();
  ASSERT_EQ(st->size(), 5u);
  EXPECT_EQ((*st)[0].kind, Statement::Kind::kCreateDatabase);
  EXPECT_EQ((*st)[0].database, "farm one");
  EXPECT_EQ((*st)[1].kind, Statement::Kind::kShowDatabases);
  EXPECT_EQ((*st)[2].kind, Statement::Kind::kCreateRetentionPolicy);
  EXPECT_EQ((*st)[2].policy, "week");
  EXPECT_EQ((*st)[2].duration_ns, 7 * 86400'000'000'000LL);
  EXPECT_EQ((*st)[2].shard_ns, 86400'000'000'000LL);
  EXPECT_TRUE((*st)[2].make_default);
  EXPECT_EQ((*st)[3].database, "farm");
  EXPECT_EQ((*st)[4].kind, Statement::Kind::kDropDatabase);
}

TEST(InfluxqlTest, RejectsWhatItDoesNotSupportClearly) {
  EXPECT_EQ(ParseStatements("SELECT * FROM cpu").status().message(),
            "statement not supported yet: SELECT * FROM cpu");
  EXPECT_EQ(ParseStatements("CREATE RETENTION POLICY w ON db REPLICATION 1").status().message(),
            "error parsing query: found EOF, expected DURATION");
  EXPECT_FALSE(ParseStatements("").ok());
  EXPECT_FALSE(ParseStatements("CREATE DATABASE \"open").ok());
}

TEST(InfluxqlTest, DurationsAsGoPrintsThem) {
  int64_t ns;
  ASSERT_TRUE(ParseDuration("2h30m", &ns));
  EXPECT_EQ(FormatDuration(ns), "2h30m0s");
  ASSERT_TRUE(ParseDuration("INF", &ns));
  EXPECT_EQ(FormatDuration(ns), "0s");
  ASSERT_TRUE(ParseDuration("1w", &ns));
  EXPECT_EQ(FormatDuration(ns), "168h0m0s");
  EXPECT_EQ(FormatDuration(1'500'000'000), "1.5s");
  EXPECT_FALSE(ParseDuration("5x", &ns));
  EXPECT_FALSE(ParseDuration("h", &ns));
}

}  // namespace
}  // namespace lux::luxd

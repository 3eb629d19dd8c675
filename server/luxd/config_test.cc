#include "server/luxd/config.h"

#include <fstream>

#include "engine/db/db_test_util.h"
#include "gtest/gtest.h"

namespace lux::luxd {
namespace {

absl::Status Load(const std::string& text, Config* config) {
  lux::testing::TempDir dir;
  const std::string path = dir.path() + "/luxd.toml";
  std::ofstream(path) << text;
  return LoadTomlConfig(path, config);
}

TEST(ConfigTest, UsersAndLimitsLoad) {
  Config c;
  ASSERT_TRUE(Load(R"(
auth_enabled = true
max_concurrent_writes = 4
max_enqueued_writes = 16
enqueued_write_timeout_ms = 500
max_subscriber_queue_points = 5000
max_subscription_backlog_points = 70000
stuck_subscriber_grace_s = 7
entropy_coding = false
cold_partition_age_s = 86400
http_threads = 3
http_handler_threads = 0
[[users]]
name = "admin"
password = "s3cret"
admin = true
[[users]]
name = "gateway"
password = "pw"
write = ["farm", "lab"]
read = ["farm"]
)",
                   &c)
                  .ok());
  EXPECT_TRUE(c.auth_enabled);
  EXPECT_EQ(c.max_concurrent_writes, 4);
  EXPECT_EQ(c.max_enqueued_writes, 16);
  EXPECT_EQ(c.enqueued_write_timeout_ms, 500);
  EXPECT_EQ(c.max_subscriber_queue_points, 5000u);
  EXPECT_EQ(c.max_subscription_backlog_points, 70000u);
  EXPECT_EQ(c.stuck_subscriber_grace_s, 7);
  EXPECT_FALSE(c.entropy_coding);
  EXPECT_EQ(c.cold_partition_age_s, 86400);
  EXPECT_EQ(c.http_threads, 3);
  EXPECT_EQ(c.http_handler_threads, 0) << "0: the HTTP threads run the handlers";
  EXPECT_EQ(Config().http_handler_threads, 4);
  EXPECT_TRUE(Config().entropy_coding) << "on by default";
  ASSERT_EQ(c.users.size(), 2u);
  EXPECT_TRUE(c.users[0].admin);
  EXPECT_EQ(c.users[1].write, (std::set<std::string>{"farm", "lab"}));
  EXPECT_EQ(c.users[1].read, (std::set<std::string>{"farm"}));
  EXPECT_TRUE(c.Validate().ok());
}

TEST(ConfigTest, BadValuesNameTheKey) {
  Config c;
  auto s = Load("[[users]]\nname = \"a\"\npasswd = \"x\"\n", &c);
  EXPECT_NE(s.message().find("users[0]: unknown key \"passwd\""), std::string::npos) << s;
  s = Load("max_enqueued_writes = -1\n", &c);
  EXPECT_NE(s.message().find("max_enqueued_writes must be an integer >= 0"), std::string::npos)
      << s;
  s = Load("http_handler_threads = -2\n", &c);
  EXPECT_NE(s.message().find("http_handler_threads must be an integer >= 0"), std::string::npos)
      << s;
  s = Load("max_subscription_backlog_points = 0\n", &c);
  EXPECT_NE(s.message().find("max_subscription_backlog_points must be a positive integer"),
            std::string::npos)
      << s;
  s = Load("users = 3\n", &c);
  EXPECT_NE(s.message().find("users must be an array"), std::string::npos) << s;
  User a;
  a.name = "a";
  a.password = "x";
  Config twice;
  twice.users = {a, a};
  EXPECT_NE(twice.Validate().message().find("user \"a\" is defined twice"), std::string::npos);
  Config nopass;
  a.password.clear();
  nopass.users = {a};
  EXPECT_FALSE(nopass.Validate().ok());
}

}  // namespace
}  // namespace lux::luxd

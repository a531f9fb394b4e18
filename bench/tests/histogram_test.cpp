// Quantiles of the bench's latency histogram stay within its bucket precision, and merging adds up.
#include <gtest/gtest.h>

#include "histogram.hpp"

using bench::histogram;

TEST(Histogram, QuantilesWithinTwoPercent) {
  histogram h;
  for (int64_t v = 1; v <= 100000; ++v) h.record(v * 1000);  // 1 us .. 100 ms uniformly
  EXPECT_EQ(h.count(), 100000u);
  EXPECT_EQ(h.max(), 100000000);
  EXPECT_NEAR(double(h.quantile(0.5)), 50e6, 50e6 * 0.02);
  EXPECT_NEAR(double(h.quantile(0.99)), 99e6, 99e6 * 0.02);
  EXPECT_EQ(h.quantile(1.0), 100000000);
  EXPECT_NEAR(h.mean(), 50.0005e6, 1e3);
}

TEST(Histogram, SmallValuesAreExact) {
  histogram h;
  for (int v = 0; v < 100; ++v) h.record(v);
  EXPECT_EQ(h.quantile(0.5), 49);
  h.record(-5);  // clock skew never produces a negative bucket
  EXPECT_EQ(h.count(), 101u);
}

TEST(Histogram, MergeAddsCountsAndKeepsMax) {
  histogram a, b;
  for (int i = 0; i < 10; ++i) a.record(1000);
  for (int i = 0; i < 30; ++i) b.record(1000000);
  a.merge(b);
  EXPECT_EQ(a.count(), 40u);
  EXPECT_EQ(a.max(), 1000000);
  EXPECT_NEAR(double(a.quantile(0.5)), 1e6, 1e6 * 0.02);
  EXPECT_NEAR(double(a.quantile(0.2)), 1000, 20);
}

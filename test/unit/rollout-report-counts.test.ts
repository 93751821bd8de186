/**
 * The traffic report's additions for rollouts: each origin's latency sum, sum of squares
 * and count over the tries that got a response, sent only when there are some (older
 * readers see the three numbers they know), added up by the colo's aggregator with the
 * tries, and a webhook URL held to registration's dangerous-address rules.
 */
import { describe, expect, it } from "vitest";
import { mergeReports } from "../../src/state/report-merge.ts";
import { webhookUrlProblem } from "../../src/state/rollout-webhook.ts";
import { TrafficReporter } from "../../src/state/traffic-report.ts";
import { T0 } from "./helpers/ejection.ts";

describe("latency sums in the traffic report", () => {
  it("sums the latency of tries that got a response, and leaves the entry as it was without any", () => {
    const reporter = new TrafficReporter();
    reporter.count("a", false, 10);
    reporter.count("a", true, 30);
    reporter.count("a", true);
    reporter.count("b", true);
    expect(reporter.take("FRA", T0)?.counts).toEqual([
      ["a", 3, 2, 40, 1_000, 2],
      ["b", 1, 1],
    ]);
  });

  it("adds the sums up across a colo's isolates, and leaves out sums that do not add up", () => {
    const merged = mergeReports(
      [
        { colo: "FRA", ejections: [], counts: [["a", 4, 0, 20, 110, 4]] },
        {
          colo: "FRA",
          ejections: [],
          counts: [
            ["a", 2, 1, 6, 20, 2],
            ["b", 1, 0],
          ],
        },
        // More samples than tries, and a negative sum: the tries count, the sums do not.
        {
          colo: "FRA",
          ejections: [],
          counts: [
            ["a", 1, 0, 5, 25, 3],
            ["b", 1, 0, -1, 1, 1],
          ],
        },
      ],
      T0,
    );
    expect(merged[0]?.counts).toEqual([
      ["a", 7, 1, 26, 130, 6],
      ["b", 2, 0],
    ]);
  });
});

describe("webhookUrlProblem", () => {
  it("refuses metadata, link-local and unspecified addresses, and loopback unless local development allows it", () => {
    expect(webhookUrlProblem("https://hooks.example.com/pre-step", false)).toBeUndefined();
    expect(webhookUrlProblem("http://169.254.169.254/latest/meta-data", true)).toMatch(/metadata/);
    expect(webhookUrlProblem("http://[fe80::1]/x", true)).toMatch(/link-local/);
    expect(webhookUrlProblem("http://0.0.0.0:80/", true)).toMatch(/unspecified/);
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", false)).toMatch(/EDGEWAY_ALLOW_LOOPBACK_REGISTRATION/);
    expect(webhookUrlProblem("http://127.0.0.1:9000/hook", true)).toBeUndefined();
    expect(webhookUrlProblem("http://localhost/hook", false)).toMatch(/loopback/);
    expect(webhookUrlProblem("ftp://example.com/", true)).toMatch(/http/);
    expect(webhookUrlProblem("https://user:pw@example.com/", true)).toMatch(/credentials/);
  });
});

/**
 * The origins most scenarios share: six origins on three clouds, one near each group of
 * colos, with service times far enough apart that every colo has one clear best origin
 * (at least ~5 ms ahead of the next). Capacity 2,000 req/s each keeps utilisation near
 * 0.1 in the steady state (14 colos × 50 req/s), so queueing matters only where a
 * scenario makes it matter. gcp-euw1 is never the best origin for any colo: it shows
 * whether a policy keeps exploring an origin it has no reason to prefer.
 */
import type { OriginSpec } from "../types.ts";

export const BASE_ORIGINS: readonly OriginSpec[] = [
  { id: "aws-use1", region: "aws:us-east-1", serviceMs: 20, capacity: 2_000 },
  { id: "aws-usw2", region: "aws:us-west-2", serviceMs: 20, capacity: 2_000 },
  { id: "aws-euc1", region: "aws:eu-central-1", serviceMs: 15, capacity: 2_000 },
  { id: "gcp-euw1", region: "gcp:europe-west1", serviceMs: 25, capacity: 2_000 },
  { id: "az-sea", region: "azure:southeastasia", serviceMs: 20, capacity: 2_000 },
  { id: "aws-apne1", region: "aws:ap-northeast-1", serviceMs: 20, capacity: 2_000 },
];

/** Requests per second per colo: the rate the shift target is stated at. */
export const RATE_PER_COLO = 50;

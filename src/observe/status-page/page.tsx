/**
 * The status page (`GET /_edgeway/status`), as components: props in, HTML out, no
 * bindings, no clock (the time is a prop). A panel per rollout (rollouts.tsx), a table per pool with every origin's health
 * and why, its ejection, the admin overrides on it, its effective weight beside the
 * configured one, sparklines of probe latency and error rate, and its last transitions.
 * Charts are inline SVG drawn here; the page needs no script and refreshes itself with
 * `<meta http-equiv="refresh">`. On a narrow screen each row becomes a card.
 */
import type { Child } from "hono/jsx";
import { Pool } from "./pool.tsx";
import { Rollouts } from "./rollouts.tsx";
import { OriginTable } from "./origin-table.tsx";
import { CSS } from "./styles.ts";
import { Summary } from "./summary.tsx";
import { clock, When } from "./time.tsx";
import type { StatusPageProps } from "./types.ts";
import { windowsOf } from "./windows.ts";

/** The whole page: header, the fallback note, the summary, a panel per pool, origins in no pool, the legend. */
export function StatusPage(props: StatusPageProps): Child {
  const { now } = props;
  const rows = [...props.pools.flatMap((p) => p.origins), ...props.unpooled];
  const windows = windowsOf(rows, now);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {props.refreshSeconds > 0 && <meta http-equiv="refresh" content={String(props.refreshSeconds)} />}
        <title>Edgeway status</title>
        <style dangerouslySetInnerHTML={{ __html: CSS }} />
      </head>
      <body>
        <header>
          <h1>Edgeway status</h1>
          <p class="meta">
            {props.config === undefined ? (
              <span class="badge unhealthy">no config stored</span>
            ) : (
              <>
                config <b>v{props.config.version}</b> stored <When at={Date.parse(props.config.storedAt)} now={now} />
              </>
            )}{" "}
            · generated {clock(now, now)} · health from{" "}
            {props.source === "durable_object" ? "the Durable Object" : "this isolate's snapshot"}
            {props.refreshSeconds > 0 ? ` · reloads every ${props.refreshSeconds} s` : ""}
          </p>
        </header>
        {props.source === "isolate_snapshot" && (
          <p class="note" role="status">
            The Durable Object could not be reached{props.error === undefined ? "" : ` (${props.error})`}: health below is this isolate's
            snapshot
            {props.snapshotAt === undefined ? (
              " — it has none, so every origin counts as healthy"
            ) : (
              <>
                {" "}
                from <When at={props.snapshotAt} now={now} />
              </>
            )}
            . Probe history, traffic and transitions are unavailable.
          </p>
        )}
        <Summary rows={rows} now={now} />
        {props.rollouts !== undefined && <Rollouts rollouts={props.rollouts} now={now} />}
        {props.pools.map((pool) => (
          <Pool pool={pool} now={now} windows={windows} bucketMs={props.trafficBucketMs} />
        ))}
        {props.unpooled.length > 0 && (
          <section class="pool" data-pool="">
            <h2>
              not in any pool <small>known to Edgeway, but no pool of the config in force serves them</small>
            </h2>
            <OriginTable origins={props.unpooled} now={now} windows={windows} bucketMs={props.trafficBucketMs} pool="" />
          </section>
        )}
        <footer>
          <p class="legend">
            <span class="badge healthy">healthy</span> <span class="badge unhealthy">unhealthy</span>{" "}
            <span class="badge ejected">ejected</span> (outlier detection) <span class="chip">drained</span>{" "}
            <span class="chip">disabled</span> (admin overrides). Weight: effective, then configured when they differ. Charts: probe latency
            (red ticks: failed probes) and the share of failed tries per {props.trafficBucketMs / 1000} s bucket, over the history the
            Durable Object keeps. Times in UTC.
          </p>
        </footer>
      </body>
    </html>
  );
}

/** The status page (`GET /_edgeway/status`): the page component and its props. */
export { StatusPage } from "./page.tsx";
export type { OriginRow, PoolSection, StatusPageProps } from "./types.ts";

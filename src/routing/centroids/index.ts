/**
 * Where a client probably is when `request.cf` carries no latitude/longitude, so that
 * `proximity` steering can still measure great-circle distances: the client's Cloudflare
 * colo, else its country, else its continent, each stands for one point.
 *
 * Sources, all approximate (1–2 decimals, good to tens of kilometres, enough to rank
 * pools thousands of kilometres apart, not for anything finer):
 * - colos: the coordinates of the city each IATA code serves (the metro the data centre
 *   is in, not the runway), for about a hundred of Cloudflare's busiest locations;
 * - countries: every ISO 3166-1 alpha-2 code (and XK, Kosovo, which Cloudflare reports),
 *   at the capital's coordinates — or the seat of government or the main city where that
 *   is where the people are (US: the Census Bureau's mean centre of population;
 *   AQ: McMurdo Station); uninhabited territories at their research or weather station;
 * - continents: Cloudflare's seven codes at a rough population-weighted centre (not the
 *   geographic one: Asia's geographic centre is in Xinjiang, far from most Asians).
 *
 * Codes Cloudflare uses for "no country" (XX unknown, T1 Tor) have no entry, so such a
 * client falls through to its continent or to no location at all.
 */
export { COLO_CENTROIDS } from "./colos.ts";
export { CONTINENT_CENTROIDS } from "./continents.ts";
export { COUNTRY_CENTROIDS } from "./countries.ts";
export { locateClient } from "./locate.ts";
export type { ClientLocation } from "./locate.ts";

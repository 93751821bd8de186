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
import type { ClientInfo } from "./client.ts";

/** `[lat, lon]` in degrees. */
type Point = readonly [lat: number, lon: number];

/** A located client: where, and which of its fields said so. */
export interface ClientLocation {
  readonly lat: number;
  readonly lon: number;
  readonly source: "coordinates" | "colo" | "country" | "continent";
}

function freeze(table: Record<string, Point>): Readonly<Record<string, Point>> {
  for (const point of Object.values(table)) Object.freeze(point);
  return Object.freeze(table);
}

/** Cloudflare's `request.cf.continent` codes, at rough population centres. */
export const CONTINENT_CENTROIDS: Readonly<Record<string, Point>> = freeze({
  AF: [5.0, 20.0], AN: [-77.85, 166.67], AS: [25.0, 95.0], EU: [50.0, 15.0],
  NA: [33.0, -92.0], OC: [-27.5, 150.0], SA: [-15.0, -55.0],
});

/** ISO 3166-1 alpha-2 country → capital (or main population centre). */
export const COUNTRY_CENTROIDS: Readonly<Record<string, Point>> = freeze({
  AD: [42.51, 1.52], AE: [24.45, 54.38], AF: [34.53, 69.17], AG: [17.12, -61.85], AI: [18.22, -63.05],
  AL: [41.33, 19.82], AM: [40.18, 44.51], AO: [-8.84, 13.23], AQ: [-77.85, 166.67], AR: [-34.6, -58.38],
  AS: [-14.28, -170.7], AT: [48.21, 16.37], AU: [-35.28, 149.13], AW: [12.52, -70.03], AX: [60.1, 19.94],
  AZ: [40.41, 49.87], BA: [43.86, 18.41], BB: [13.1, -59.62], BD: [23.81, 90.41], BE: [50.85, 4.35],
  BF: [12.37, -1.52], BG: [42.7, 23.32], BH: [26.23, 50.59], BI: [-3.43, 29.93], BJ: [6.5, 2.6],
  BL: [17.9, -62.85], BM: [32.29, -64.78], BN: [4.9, 114.94], BO: [-16.5, -68.15], BQ: [12.15, -68.27],
  BR: [-15.79, -47.88], BS: [25.05, -77.35], BT: [27.47, 89.64], BV: [-54.42, 3.36], BW: [-24.65, 25.91],
  BY: [53.9, 27.56], BZ: [17.25, -88.77], CA: [45.42, -75.7], CC: [-12.19, 96.83], CD: [-4.44, 15.27],
  CF: [4.39, 18.56], CG: [-4.27, 15.28], CH: [46.95, 7.45], CI: [6.82, -5.28], CK: [-21.21, -159.78],
  CL: [-33.45, -70.67], CM: [3.85, 11.5], CN: [39.9, 116.41], CO: [4.71, -74.07], CR: [9.93, -84.08],
  CU: [23.11, -82.37], CV: [14.93, -23.51], CW: [12.11, -68.93], CX: [-10.42, 105.68], CY: [35.19, 33.38],
  CZ: [50.08, 14.44], DE: [52.52, 13.4], DJ: [11.59, 43.15], DK: [55.68, 12.57], DM: [15.3, -61.39],
  DO: [18.49, -69.93], DZ: [36.75, 3.06], EC: [-0.18, -78.47], EE: [59.44, 24.75], EG: [30.04, 31.24],
  EH: [27.15, -13.2], ER: [15.32, 38.93], ES: [40.42, -3.7], ET: [9.03, 38.74], FI: [60.17, 24.94],
  FJ: [-18.14, 178.44], FK: [-51.7, -57.85], FM: [6.92, 158.16], FO: [62.01, -6.77], FR: [48.86, 2.35],
  GA: [0.42, 9.47], GB: [51.51, -0.13], GD: [12.06, -61.75], GE: [41.72, 44.79], GF: [4.92, -52.33],
  GG: [49.46, -2.54], GH: [5.6, -0.19], GI: [36.14, -5.35], GL: [64.18, -51.72], GM: [13.45, -16.58],
  GN: [9.64, -13.58], GP: [16.0, -61.73], GQ: [3.75, 8.78], GR: [37.98, 23.73], GS: [-54.28, -36.51],
  GT: [14.63, -90.51], GU: [13.48, 144.75], GW: [11.86, -15.6], GY: [6.8, -58.16], HK: [22.32, 114.17],
  HM: [-53.1, 73.52], HN: [14.07, -87.19], HR: [45.81, 15.98], HT: [18.59, -72.31], HU: [47.5, 19.04],
  ID: [-6.21, 106.85], IE: [53.35, -6.26], IL: [32.09, 34.78], IM: [54.15, -4.48], IN: [28.61, 77.21],
  IO: [-7.31, 72.41], IQ: [33.31, 44.36], IR: [35.69, 51.39], IS: [64.15, -21.94], IT: [41.9, 12.5],
  JE: [49.19, -2.11], JM: [17.97, -76.79], JO: [31.95, 35.93], JP: [35.68, 139.69], KE: [-1.29, 36.82],
  KG: [42.87, 74.59], KH: [11.56, 104.92], KI: [1.33, 172.98], KM: [-11.7, 43.26], KN: [17.3, -62.72],
  KP: [39.04, 125.76], KR: [37.57, 126.98], KW: [29.38, 47.99], KY: [19.29, -81.38], KZ: [51.17, 71.45],
  LA: [17.98, 102.63], LB: [33.89, 35.5], LC: [14.01, -60.99], LI: [47.14, 9.52], LK: [6.93, 79.85],
  LR: [6.3, -10.8], LS: [-29.31, 27.48], LT: [54.69, 25.28], LU: [49.61, 6.13], LV: [56.95, 24.11],
  LY: [32.89, 13.19], MA: [34.02, -6.83], MC: [43.74, 7.42], MD: [47.01, 28.86], ME: [42.44, 19.26],
  MF: [18.07, -63.08], MG: [-18.88, 47.51], MH: [7.09, 171.38], MK: [42.0, 21.43], ML: [12.64, -8.0],
  MM: [19.76, 96.08], MN: [47.89, 106.91], MO: [22.2, 113.54], MP: [15.18, 145.75], MQ: [14.62, -61.06],
  MR: [18.08, -15.98], MS: [16.79, -62.21], MT: [35.9, 14.51], MU: [-20.16, 57.5], MV: [4.18, 73.51],
  MW: [-13.96, 33.79], MX: [19.43, -99.13], MY: [3.14, 101.69], MZ: [-25.97, 32.57], NA: [-22.56, 17.08],
  NC: [-22.27, 166.46], NE: [13.51, 2.11], NF: [-29.06, 167.96], NG: [9.08, 7.4], NI: [12.11, -86.24],
  NL: [52.37, 4.9], NO: [59.91, 10.75], NP: [27.72, 85.32], NR: [-0.55, 166.92], NU: [-19.06, -169.92],
  NZ: [-41.29, 174.78], OM: [23.59, 58.41], PA: [8.98, -79.52], PE: [-12.05, -77.04], PF: [-17.54, -149.57],
  PG: [-9.44, 147.18], PH: [14.6, 120.98], PK: [33.68, 73.05], PL: [52.23, 21.01], PM: [46.78, -56.18],
  PN: [-25.07, -130.1], PR: [18.47, -66.11], PS: [31.9, 35.2], PT: [38.72, -9.14], PW: [7.5, 134.62],
  PY: [-25.26, -57.58], QA: [25.29, 51.53], RE: [-20.88, 55.45], RO: [44.43, 26.1], RS: [44.79, 20.45],
  RU: [55.76, 37.62], RW: [-1.94, 30.06], SA: [24.71, 46.68], SB: [-9.43, 159.95], SC: [-4.62, 55.45],
  SD: [15.5, 32.56], SE: [59.33, 18.07], SG: [1.35, 103.82], SH: [-15.92, -5.72], SI: [46.06, 14.51],
  SJ: [78.22, 15.65], SK: [48.15, 17.11], SL: [8.47, -13.23], SM: [43.94, 12.45], SN: [14.72, -17.47],
  SO: [2.05, 45.32], SR: [5.85, -55.2], SS: [4.85, 31.58], ST: [0.34, 6.73], SV: [13.69, -89.22],
  SX: [18.03, -63.05], SY: [33.51, 36.29], SZ: [-26.31, 31.14], TC: [21.46, -71.14], TD: [12.13, 15.06],
  TF: [-49.35, 70.22], TG: [6.13, 1.22], TH: [13.76, 100.5], TJ: [38.56, 68.77], TK: [-9.2, -171.85],
  TL: [-8.56, 125.57], TM: [37.96, 58.33], TN: [36.81, 10.18], TO: [-21.14, -175.2], TR: [39.93, 32.86],
  TT: [10.65, -61.51], TV: [-8.52, 179.2], TW: [25.03, 121.57], TZ: [-6.16, 35.75], UA: [50.45, 30.52],
  UG: [0.35, 32.58], UM: [19.28, 166.65], US: [37.42, -92.4], UY: [-34.9, -56.16], UZ: [41.3, 69.24],
  VA: [41.9, 12.45], VC: [13.16, -61.23], VE: [10.48, -66.9], VG: [18.43, -64.62], VI: [18.34, -64.93],
  VN: [21.03, 105.85], VU: [-17.73, 168.32], WF: [-13.28, -176.17], WS: [-13.83, -171.77], XK: [42.66, 21.17],
  YE: [15.37, 44.19], YT: [-12.78, 45.23], ZA: [-25.75, 28.19], ZM: [-15.39, 28.32], ZW: [-17.83, 31.05],
});

/** Cloudflare colo (IATA code) → the city it serves. */
export const COLO_CENTROIDS: Readonly<Record<string, Point>> = freeze({
  // North America
  ATL: [33.75, -84.39], BOS: [42.36, -71.06], CLT: [35.23, -80.84], DEN: [39.74, -104.99], DFW: [32.78, -96.8],
  EWR: [40.74, -74.17], HNL: [21.31, -157.86], IAD: [39.04, -77.49], IAH: [29.76, -95.37], LAS: [36.17, -115.14],
  LAX: [34.05, -118.24], MCI: [39.1, -94.58], MEX: [19.43, -99.13], MIA: [25.76, -80.19], MSP: [44.98, -93.27],
  ORD: [41.88, -87.63], PDX: [45.52, -122.68], PHX: [33.45, -112.07], QRO: [20.59, -100.39], SEA: [47.61, -122.33],
  SFO: [37.77, -122.42], SJC: [37.34, -121.89], SLC: [40.76, -111.89], YUL: [45.5, -73.57], YVR: [49.28, -123.12],
  YYZ: [43.65, -79.38], PTY: [8.98, -79.52],
  // South America
  BOG: [4.71, -74.07], EZE: [-34.6, -58.38], GIG: [-22.91, -43.17], GRU: [-23.55, -46.63], LIM: [-12.05, -77.04],
  SCL: [-33.45, -70.67],
  // Europe
  AMS: [52.37, 4.9], ARN: [59.33, 18.07], ATH: [37.98, 23.73], BCN: [41.39, 2.17], BEG: [44.79, 20.45],
  BRU: [50.85, 4.35], BUD: [47.5, 19.04], CDG: [48.86, 2.35], CPH: [55.68, 12.57], DME: [55.76, 37.62],
  DUB: [53.35, -6.26], DUS: [51.23, 6.78], FCO: [41.9, 12.5], FRA: [50.11, 8.68], HAM: [53.55, 9.99],
  HEL: [60.17, 24.94], IST: [41.01, 28.98], KBP: [50.45, 30.52], LED: [59.94, 30.31], LHR: [51.51, -0.13],
  LIS: [38.72, -9.14], MAD: [40.42, -3.7], MAN: [53.48, -2.24], MRS: [43.3, 5.37], MUC: [48.14, 11.58],
  MXP: [45.46, 9.19], OSL: [59.91, 10.75], OTP: [44.43, 26.1], PRG: [50.08, 14.44], SOF: [42.7, 23.32],
  VIE: [48.21, 16.37], WAW: [52.23, 21.01], ZRH: [47.38, 8.54],
  // Middle East and Africa
  ACC: [5.6, -0.19], BAH: [26.23, 50.59], CAI: [30.04, 31.24], CMN: [33.57, -7.59], CPT: [-33.92, 18.42],
  DAR: [-6.79, 39.21], DOH: [25.29, 51.53], DXB: [25.2, 55.27], JNB: [-26.2, 28.05], KGL: [-1.94, 30.06],
  LOS: [6.52, 3.38], NBO: [-1.29, 36.82], RUH: [24.71, 46.68], TLV: [32.09, 34.78],
  // Asia
  BKK: [13.76, 100.5], BLR: [12.97, 77.59], BOM: [19.08, 72.88], CCU: [22.57, 88.36], CGK: [-6.21, 106.85],
  CMB: [6.93, 79.85], DAC: [23.81, 90.41], DEL: [28.61, 77.21], FUK: [33.59, 130.4], HAN: [21.03, 105.85],
  HKG: [22.32, 114.17], HYD: [17.39, 78.49], ICN: [37.57, 126.98], KHI: [24.86, 67.01], KIX: [34.69, 135.5],
  KUL: [3.14, 101.69], MAA: [13.08, 80.27], MNL: [14.6, 120.98], NRT: [35.68, 139.69], SGN: [10.82, 106.63],
  SIN: [1.35, 103.82], TPE: [25.03, 121.57],
  // Oceania
  ADL: [-34.93, 138.6], AKL: [-36.85, 174.76], BNE: [-27.47, 153.03], MEL: [-37.81, 144.96], PER: [-31.95, 115.86],
  SYD: [-33.87, 151.21],
});

function lookup(table: Readonly<Record<string, Point>>, code: string | undefined): Point | undefined {
  if (code === undefined) return undefined;
  const key = code.toUpperCase();
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function usable(lat: number | undefined, lon: number | undefined): boolean {
  return lat !== undefined && lon !== undefined && Number.isFinite(lat) && Number.isFinite(lon) && Math.abs(lat) <= 90 && Math.abs(lon) <= 180;
}

/**
 * The best point known for the client: its own lat/lon, else its colo's city, else its
 * country's capital, else its continent's centre; undefined when none is known.
 */
export function locateClient(client: ClientInfo): ClientLocation | undefined {
  const { lat, lon } = client;
  if (usable(lat, lon) && lat !== undefined && lon !== undefined) return { lat, lon, source: "coordinates" };
  const colo = lookup(COLO_CENTROIDS, client.colo);
  if (colo !== undefined) return { lat: colo[0], lon: colo[1], source: "colo" };
  const country = lookup(COUNTRY_CENTROIDS, client.country);
  if (country !== undefined) return { lat: country[0], lon: country[1], source: "country" };
  const continent = lookup(CONTINENT_CENTROIDS, client.continent);
  if (continent !== undefined) return { lat: continent[0], lon: continent[1], source: "continent" };
  return undefined;
}

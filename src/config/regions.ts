/**
 * Catalogue of well-known public cloud regions and their approximate coordinates.
 *
 * Coordinates are those of the city (or metro area) each provider publishes for the
 * region, rounded to two decimals; they are good enough for great-circle proximity
 * steering, not for anything more precise. Keys are `"<cloud>:<region>"`, all lower case.
 *
 * An origin that sets `lat`/`lon` explicitly overrides the catalogue entry for its
 * `region`. On-prem origins have no catalogue entry and must give `lat`/`lon` themselves.
 */

/** Location of one cloud region. */
export interface RegionInfo {
  /** Cloud provider the region belongs to. */
  readonly cloud: "aws" | "gcp" | "azure";
  /** City (or metro area) the provider publishes for the region. */
  readonly city: string;
  /** Latitude in degrees, [-90, 90]. */
  readonly lat: number;
  /** Longitude in degrees, [-180, 180]. */
  readonly lon: number;
}

/** `[city, lat, lon]` for one region. */
type Row = readonly [city: string, lat: number, lon: number];

const AWS: Readonly<Record<string, Row>> = {
  "us-east-1": ["Ashburn", 39.04, -77.49],
  "us-east-2": ["Columbus", 39.96, -83.0],
  "us-west-1": ["San Francisco", 37.77, -122.42],
  "us-west-2": ["Boardman", 45.84, -119.7],
  "ca-central-1": ["Montreal", 45.5, -73.57],
  "ca-west-1": ["Calgary", 51.05, -114.07],
  "mx-central-1": ["Queretaro", 20.59, -100.39],
  "sa-east-1": ["Sao Paulo", -23.55, -46.63],
  "eu-west-1": ["Dublin", 53.35, -6.26],
  "eu-west-2": ["London", 51.51, -0.13],
  "eu-west-3": ["Paris", 48.86, 2.35],
  "eu-central-1": ["Frankfurt", 50.11, 8.68],
  "eu-central-2": ["Zurich", 47.38, 8.54],
  "eu-north-1": ["Stockholm", 59.33, 18.07],
  "eu-south-1": ["Milan", 45.46, 9.19],
  "eu-south-2": ["Zaragoza", 41.65, -0.88],
  "il-central-1": ["Tel Aviv", 32.09, 34.78],
  "me-south-1": ["Manama", 26.23, 50.59],
  "me-central-1": ["Dubai", 25.2, 55.27],
  "af-south-1": ["Cape Town", -33.92, 18.42],
  "ap-south-1": ["Mumbai", 19.08, 72.88],
  "ap-south-2": ["Hyderabad", 17.39, 78.49],
  "ap-east-1": ["Hong Kong", 22.32, 114.17],
  "ap-east-2": ["Taipei", 25.03, 121.57],
  "ap-northeast-1": ["Tokyo", 35.68, 139.69],
  "ap-northeast-2": ["Seoul", 37.57, 126.98],
  "ap-northeast-3": ["Osaka", 34.69, 135.5],
  "ap-southeast-1": ["Singapore", 1.29, 103.85],
  "ap-southeast-2": ["Sydney", -33.87, 151.21],
  "ap-southeast-3": ["Jakarta", -6.21, 106.85],
  "ap-southeast-4": ["Melbourne", -37.81, 144.96],
  "ap-southeast-5": ["Kuala Lumpur", 3.14, 101.69],
  "ap-southeast-6": ["Auckland", -36.85, 174.76],
  "ap-southeast-7": ["Bangkok", 13.76, 100.5],
};

const GCP: Readonly<Record<string, Row>> = {
  "us-central1": ["Council Bluffs", 41.26, -95.86],
  "us-east1": ["Moncks Corner", 33.2, -80.01],
  "us-east4": ["Ashburn", 39.04, -77.49],
  "us-east5": ["Columbus", 39.96, -83.0],
  "us-south1": ["Dallas", 32.78, -96.8],
  "us-west1": ["The Dalles", 45.59, -121.18],
  "us-west2": ["Los Angeles", 34.05, -118.24],
  "us-west3": ["Salt Lake City", 40.76, -111.89],
  "us-west4": ["Las Vegas", 36.17, -115.14],
  "northamerica-northeast1": ["Montreal", 45.5, -73.57],
  "northamerica-northeast2": ["Toronto", 43.65, -79.38],
  "northamerica-south1": ["Queretaro", 20.59, -100.39],
  "southamerica-east1": ["Sao Paulo", -23.55, -46.63],
  "southamerica-west1": ["Santiago", -33.45, -70.67],
  "europe-west1": ["St. Ghislain", 50.45, 3.82],
  "europe-west2": ["London", 51.51, -0.13],
  "europe-west3": ["Frankfurt", 50.11, 8.68],
  "europe-west4": ["Eemshaven", 53.44, 6.83],
  "europe-west6": ["Zurich", 47.38, 8.54],
  "europe-west8": ["Milan", 45.46, 9.19],
  "europe-west9": ["Paris", 48.86, 2.35],
  "europe-west10": ["Berlin", 52.52, 13.4],
  "europe-west12": ["Turin", 45.07, 7.69],
  "europe-north1": ["Hamina", 60.57, 27.2],
  "europe-north2": ["Stockholm", 59.33, 18.07],
  "europe-central2": ["Warsaw", 52.23, 21.01],
  "europe-southwest1": ["Madrid", 40.42, -3.7],
  "me-west1": ["Tel Aviv", 32.09, 34.78],
  "me-central1": ["Doha", 25.29, 51.53],
  "me-central2": ["Dammam", 26.43, 50.1],
  "africa-south1": ["Johannesburg", -26.2, 28.05],
  "asia-east1": ["Changhua County", 24.05, 120.52],
  "asia-east2": ["Hong Kong", 22.32, 114.17],
  "asia-northeast1": ["Tokyo", 35.68, 139.69],
  "asia-northeast2": ["Osaka", 34.69, 135.5],
  "asia-northeast3": ["Seoul", 37.57, 126.98],
  "asia-south1": ["Mumbai", 19.08, 72.88],
  "asia-south2": ["Delhi", 28.61, 77.21],
  "asia-southeast1": ["Singapore", 1.35, 103.71],
  "asia-southeast2": ["Jakarta", -6.21, 106.85],
  "australia-southeast1": ["Sydney", -33.87, 151.21],
  "australia-southeast2": ["Melbourne", -37.81, 144.96],
};

const AZURE: Readonly<Record<string, Row>> = {
  eastus: ["Richmond", 37.54, -77.44],
  eastus2: ["Boydton", 36.67, -78.39],
  centralus: ["Des Moines", 41.59, -93.62],
  northcentralus: ["Chicago", 41.88, -87.63],
  southcentralus: ["San Antonio", 29.42, -98.49],
  westcentralus: ["Cheyenne", 41.14, -104.82],
  westus: ["San Francisco", 37.77, -122.42],
  westus2: ["Quincy", 47.23, -119.85],
  westus3: ["Phoenix", 33.45, -112.07],
  canadacentral: ["Toronto", 43.65, -79.38],
  canadaeast: ["Quebec City", 46.81, -71.21],
  brazilsouth: ["Sao Paulo", -23.55, -46.63],
  mexicocentral: ["Queretaro", 20.59, -100.39],
  northeurope: ["Dublin", 53.35, -6.26],
  westeurope: ["Amsterdam", 52.37, 4.9],
  uksouth: ["London", 51.51, -0.13],
  ukwest: ["Cardiff", 51.48, -3.18],
  francecentral: ["Paris", 48.86, 2.35],
  germanywestcentral: ["Frankfurt", 50.11, 8.68],
  switzerlandnorth: ["Zurich", 47.38, 8.54],
  norwayeast: ["Oslo", 59.91, 10.75],
  swedencentral: ["Gavle", 60.67, 17.14],
  polandcentral: ["Warsaw", 52.23, 21.01],
  italynorth: ["Milan", 45.46, 9.19],
  spaincentral: ["Madrid", 40.42, -3.7],
  uaenorth: ["Dubai", 25.2, 55.27],
  qatarcentral: ["Doha", 25.29, 51.53],
  israelcentral: ["Tel Aviv", 32.09, 34.78],
  southafricanorth: ["Johannesburg", -26.2, 28.05],
  centralindia: ["Pune", 18.52, 73.86],
  southindia: ["Chennai", 13.08, 80.27],
  westindia: ["Mumbai", 19.08, 72.88],
  eastasia: ["Hong Kong", 22.32, 114.17],
  southeastasia: ["Singapore", 1.28, 103.83],
  japaneast: ["Tokyo", 35.68, 139.69],
  japanwest: ["Osaka", 34.69, 135.5],
  koreacentral: ["Seoul", 37.57, 126.98],
  koreasouth: ["Busan", 35.18, 129.08],
  australiaeast: ["Sydney", -33.87, 151.21],
  australiasoutheast: ["Melbourne", -37.81, 144.96],
  australiacentral: ["Canberra", -35.28, 149.13],
  newzealandnorth: ["Auckland", -36.85, 174.76],
  indonesiacentral: ["Jakarta", -6.21, 106.85],
  malaysiawest: ["Kuala Lumpur", 3.14, 101.69],
};

/** All known regions, keyed by lower-case `"<cloud>:<region>"`. Frozen. */
export const REGIONS: Readonly<Record<string, RegionInfo>> = Object.freeze(
  Object.fromEntries(
    (
      [
        ["aws", AWS],
        ["gcp", GCP],
        ["azure", AZURE],
      ] as const
    ).flatMap(([cloud, table]) =>
      Object.entries(table).map(([region, [city, lat, lon]]): [string, RegionInfo] => [
        `${cloud}:${region}`,
        Object.freeze({ cloud, city, lat, lon }),
      ]),
    ),
  ),
);

/**
 * Looks up a region by its `"<cloud>:<region>"` key, case-insensitively.
 * Returns `undefined` for unknown keys.
 */
export function lookupRegion(name: string): RegionInfo | undefined {
  const key = name.toLowerCase();
  return Object.hasOwn(REGIONS, key) ? REGIONS[key] : undefined;
}

/** Levenshtein distance between two strings. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      cur.push(Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, sub));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

/**
 * Returns up to `max` known region keys closest to `name` by edit distance
 * (case-insensitive; ties broken alphabetically), for "did you mean …?" messages.
 * Keys that are too far off to be a plausible typo are left out, so the result may be empty.
 */
export function suggestRegions(name: string, max = 3): string[] {
  // Edit distance is quadratic: a name far longer than any catalogue key has no near match.
  if (name.length > 64) return [];
  const query = name.toLowerCase();
  const limit = Math.max(2, Math.ceil(query.length / 3));
  return Object.keys(REGIONS)
    .map((key) => ({ key, d: editDistance(query, key) }))
    .filter((s) => s.d <= limit)
    .sort((x, y) => x.d - y.d || (x.key < y.key ? -1 : x.key > y.key ? 1 : 0))
    .slice(0, Math.max(0, max))
    .map((s) => s.key);
}

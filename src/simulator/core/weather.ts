/**
 * A small, deterministic climate for the demo: outdoor temperature and sun for
 * Yinchuan (银川, 38.47° N, 106.27° E, semi-arid, cold winters, hot dry summers).
 * Wuzhong (吴忠, 37.99° N) is close enough to share it. Good enough to shape
 * heating, cooling and PV; not a weather model.
 */

export interface Site {
  readonly latDeg: number;
  readonly lonDeg: number;
}

export const YINCHUAN: Site = { latDeg: 38.47, lonDeg: 106.27 };

const DEG = Math.PI / 180;

/**
 * Outdoor air temperature in °C: annual mean 9 °C, January about −7 °C, July
 * about 24 °C; daily swing ±6 °C (coldest near 06:00, warmest near 15:00 local);
 * `dayNoise` in [-1, 1] shifts a whole day by up to ±3 °C.
 */
export function outdoorTempC(dayOfYear: number, localHour: number, dayNoise: number): number {
  const seasonal = 8.5 - 15.5 * Math.cos((2 * Math.PI * (dayOfYear - 18)) / 365);
  const diurnal = 6 * Math.cos((2 * Math.PI * (localHour - 15)) / 24);
  return seasonal + diurnal + 3 * dayNoise;
}

/**
 * Sine of the sun's elevation at an instant (negative below the horizon), from
 * the declination and hour angle with an approximate equation of time (Spencer /
 * Cooper approximations, within a few minutes of true sunrise and sunset).
 */
export function sunElevationSin(tsMs: number, site: Site = YINCHUAN): number {
  const date = new Date(tsMs);
  const dayOfYear = Math.floor((tsMs - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
  const declination = 23.44 * DEG * Math.sin((2 * Math.PI * (284 + dayOfYear)) / 365);
  const b = (2 * Math.PI * (dayOfYear - 81)) / 364;
  const equationOfTimeMin = 9.87 * Math.sin(2 * b) - 7.53 * Math.cos(b) - 1.5 * Math.sin(b);
  const utcHours = (tsMs - Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())) / 3_600_000;
  const solarHours = utcHours + site.lonDeg / 15 + equationOfTimeMin / 60;
  const hourAngle = 15 * DEG * (solarHours - 12);
  const lat = site.latDeg * DEG;
  return Math.sin(lat) * Math.sin(declination) + Math.cos(lat) * Math.cos(declination) * Math.cos(hourAngle);
}

/**
 * Share of clear-sky sunshine that reaches the panels: most Ningxia days are
 * clear (0.85–1), some hazy (0.5–0.85), a few overcast (0.15–0.4); `slotNoise`
 * in [0, 1) adds passing clouds on the non-clear days.
 */
export function skyClearness(dayNoise: number, slotNoise: number): number {
  if (dayNoise < 0.65) return 0.85 + 0.15 * slotNoise;
  if (dayNoise < 0.9) return 0.5 + 0.35 * slotNoise;
  return 0.15 + 0.25 * slotNoise;
}

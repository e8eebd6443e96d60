/**
 * Simulated time as the source stores it: days as yyyy-mm-dd text and naive timestamp(3)
 * text. Date is used only for calendar arithmetic in UTC, never to read the wall clock.
 */

const DAY_MS = 86_400_000;
const DAY_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

// Bulk runs do calendar arithmetic millions of times over a few thousand distinct days.
const numbers = new Map<string, number>();
const strings = new Map<number, string>();

/** Days since 1970-01-01 of a yyyy-mm-dd day. */
export function dayNumber(day: string): number {
  let n = numbers.get(day);
  if (n === undefined) {
    const match = DAY_PATTERN.exec(day);
    if (!match) throw new Error(`not a yyyy-mm-dd day: "${day}"`);
    n = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
    numbers.set(day, n);
  }
  return n;
}

export function dayString(n: number): string {
  let day = strings.get(n);
  if (day === undefined) {
    day = new Date(n * DAY_MS).toISOString().slice(0, 10);
    strings.set(n, day);
  }
  return day;
}

export const addDays = (day: string, n: number): string => dayString(dayNumber(day) + n);

export const laterDay = (a: string, b: string): string => (a > b ? a : b);

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** The timestamp(3) text of a moment `msOfDay` milliseconds into `day`; sorts as it reads. */
export function instant(day: string, msOfDay: number): string {
  if (!Number.isInteger(msOfDay) || msOfDay < 0 || msOfDay >= DAY_MS)
    throw new Error(`not a millisecond of a day: ${msOfDay}`);
  const ms = msOfDay % 1000;
  const s = Math.floor(msOfDay / 1000) % 60;
  const m = Math.floor(msOfDay / 60_000) % 60;
  const h = Math.floor(msOfDay / 3_600_000);
  return `${day} ${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(ms, 3)}`;
}

export const at = (hours: number, minutes = 0, seconds = 0): number =>
  ((hours * 60 + minutes) * 60 + seconds) * 1000;

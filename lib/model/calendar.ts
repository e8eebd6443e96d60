import { CatalogError } from "../errors.js";

/** One row of the calendar table (dim_date), as the warehouse holds it. */
export interface CalendarDay {
  readonly date_id: string;
  readonly year: number;
  readonly month: number;
  readonly day: number;
  /** ISO: Monday = 1 … Sunday = 7. */
  readonly day_of_week: number;
  readonly day_name: string;
  readonly month_name: string;
  readonly quarter: number;
}

const DAY_NAMES = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"] as const;
const MONTH_NAMES = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
] as const;
const DAY_MS = 86_400_000;

const parseDay = (iso: string): number => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso))
    throw new CatalogError("calendar day", iso, `not a yyyy-mm-dd date: "${iso}"`);
  const time = Date.parse(`${iso}T00:00:00Z`);
  // 2023-02-29 parses as 1 March: a day that does not exist must not roll over.
  if (Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== iso)
    throw new CatalogError("calendar day", iso, `not a day of the calendar: "${iso}"`);
  return time;
};

export function calendarDay(iso: string): CalendarDay {
  const date = new Date(parseDay(iso));
  const weekday = date.getUTCDay();
  const month = date.getUTCMonth() + 1;
  return {
    date_id: iso,
    year: date.getUTCFullYear(),
    month,
    day: date.getUTCDate(),
    day_of_week: weekday === 0 ? 7 : weekday,
    day_name: DAY_NAMES[weekday]!,
    month_name: MONTH_NAMES[month - 1]!,
    quarter: Math.ceil(month / 3),
  };
}

/** Every day from `first` to `last`, both included, in order. */
export function calendarRange(first: string, last: string): CalendarDay[] {
  return [...calendarDays(first, last, Number.MAX_SAFE_INTEGER)].flat();
}

/**
 * The same days in chunks of at most `chunk`, made as they are asked for: a long span (two
 * centuries is 73,000 days) never sits in memory whole.
 */
export function* calendarDays(first: string, last: string, chunk = 10_000): Generator<CalendarDay[]> {
  const end = parseDay(last);
  let days: CalendarDay[] = [];
  for (let t = parseDay(first); t <= end; t += DAY_MS) {
    days.push(calendarDay(new Date(t).toISOString().slice(0, 10)));
    if (days.length >= chunk) {
      yield days;
      days = [];
    }
  }
  if (days.length) yield days;
}

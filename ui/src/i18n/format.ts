// Dates and numbers as the user's language writes them.

/** A time: "14:05" today, "27 Nov, 14:05" / "11月27日 14:05" on other days. */
export function formatTime(iso: string, locale: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const sameDay = date.toDateString() === now.toDateString();
  const options: Intl.DateTimeFormatOptions = sameDay
    ? { hour: '2-digit', minute: '2-digit' }
    : { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale, options).format(date);
}

/**
 * How long ago: "just now" / "现在", "5 minutes ago" / "5分钟前", "yesterday"
 * / "昨天", up to a week; an older time as `formatTime` writes it.
 */
export function formatAgo(iso: string, locale: string, now: Date = new Date()): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const seconds = Math.round((date.getTime() - now.getTime()) / 1000);
  const words = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 7],
  ];
  let value = seconds;
  for (const [unit, next] of steps) {
    if (Math.abs(value) < next) {
      // Within a minute, and a clock a little ahead: now.
      if (unit === 'second') return words.format(0, 'second');
      return words.format(value, unit);
    }
    value = Math.round(value / next);
  }
  return formatTime(iso, locale, now);
}

/** A date without a time, `YYYY-MM-DD`: "Oct 15, 2026", "2026年10月15日". */
export function formatDate(isoDate: string, locale: string): string {
  const date = new Date(`${isoDate}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return isoDate;
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    timeZone: 'UTC',
  }).format(date);
}

/** An instant with its year, in the user's time zone: "Apr 1, 2027, 08:00". */
export function formatMoment(iso: string, locale: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  }).format(date);
}

/** When something ends: a time on the day it starts, else with its date. */
export function formatUntil(starts: string, ends: string, locale: string): string {
  const sameDay = new Date(starts).toDateString() === new Date(ends).toDateString();
  return sameDay
    ? new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(ends))
    : formatMoment(ends, locale);
}

/** NPU-hours to a tenth: "1,234.5", "0.8". */
export function formatHours(value: number, locale: string): string {
  return value.toLocaleString(locale, { maximumFractionDigits: 1 });
}

/** A parameter count: "25.6M", "2560万", "32B", "320亿". */
export function formatCount(value: number, locale: string): string {
  return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(
    value,
  );
}

/** A size in bytes: "1.2 GB", "512 MB". */
export function formatBytes(bytes: number, locale: string): string {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return new Intl.NumberFormat(locale, {
    style: 'unit',
    unit: units[unit],
    unitDisplay: 'short',
    maximumFractionDigits: 1,
  }).format(value);
}

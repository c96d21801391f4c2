/**
 * A zone's wall clock at an instant, read with Intl (DST included): what the SLA's business hours and
 * the weekly digest's "Monday 09:00 where the lead is" both need. One formatter per zone, kept.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();

const WEEKDAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

export interface WallClock {
  year: number;
  month: number;
  day: number;
  /** 0 for Sunday. */
  weekday: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallClockAt(at: number, zone: string): WallClock {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, formatter);
  }
  const parts = Object.fromEntries(formatter.formatToParts(new Date(at)).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    weekday: WEEKDAY_NAMES.indexOf(String(parts.weekday)),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's wall clock at that instant, written as if it were UTC. */
export function wallClockAsUtc(at: number, zone: string): number {
  const local = wallClockAt(at, zone);
  return Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
export function offsetAt(at: number, zone: string): number {
  return wallClockAsUtc(at, zone) - Math.floor(at / 1000) * 1000;
}

/** Locale-aware formatting through `Intl`, with the element's `lang` or the document's. */

/** The language an element renders in: its own `lang`, the nearest ancestor's, or the document's. */
export function elementLocale(element: Element): string | undefined {
  const tagged = element.closest('[lang]');
  const lang = tagged?.getAttribute('lang') || element.ownerDocument.documentElement.lang;
  return lang || undefined;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();
const fullFormats = new Map<string, Intl.DateTimeFormat>();

function cached(
  cache: Map<string, Intl.DateTimeFormat>,
  locale: string | undefined,
  options: Intl.DateTimeFormatOptions,
): Intl.DateTimeFormat {
  const key = locale ?? '';
  let format = cache.get(key);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat(locale, options);
    } catch {
      format = new Intl.DateTimeFormat(undefined, options); // an invalid lang attribute
    }
    cache.set(key, format);
  }
  return format;
}

/** Hours and minutes, e.g. "14:05" or "2:05 PM". */
export function formatTime(time: number, locale: string | undefined): string {
  return cached(timeFormats, locale, { hour: 'numeric', minute: '2-digit' }).format(time);
}

/** Date and time for a tooltip. */
export function formatDateTime(time: number, locale: string | undefined): string {
  return cached(fullFormats, locale, { dateStyle: 'medium', timeStyle: 'short' }).format(time);
}

/** Joins names as a list in the locale ("A, B and C"). */
export function formatList(items: readonly string[], locale: string | undefined): string {
  try {
    return new Intl.ListFormat(locale, { type: 'conjunction' }).format(items);
  } catch {
    return items.join(', ');
  }
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** A count in the locale ("1,234"), or with `style: 'percent'` a fraction as a percentage ("42%"). */
export function formatNumber(value: number, locale: string | undefined, options: { style?: 'percent' } = {}): string {
  const key = `${locale ?? ''}|${options.style ?? ''}`;
  let format = numberFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, options);
    } catch {
      format = new Intl.NumberFormat(undefined, options); // an invalid lang attribute
    }
    numberFormats.set(key, format);
  }
  return format.format(value);
}

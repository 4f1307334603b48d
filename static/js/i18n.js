/* The scripts' translations: Django's JavaScript catalog (/jsi18n/, loaded by base.html before
   any module runs) defines window.django; without it the English text is used as is.
   `makemessages -d djangojs` finds the strings by these names: gettext, ngettext. */
const catalog = window.django || {};

export function gettext(text) {
  return catalog.gettext ? catalog.gettext(text) : text;
}

export function ngettext(singular, plural, n) {
  if (catalog.ngettext) return catalog.ngettext(singular, plural, n);
  return n === 1 ? singular : plural;
}

/* "%(name)s" placeholders filled from an object: translators may reorder them. */
export function interpolate(text, values) {
  return text.replace(/%\((\w+)\)s/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

/* The page's language, for numbers and dates (the <html lang> Django set). */
export const LANG = document.documentElement.lang || "en";

// Which language the app speaks, and the Intl locale behind it. Pure: tested in language.test.ts.

export const LANGUAGES = ["en", "bn"] as const;
export type Language = (typeof LANGUAGES)[number];

/** Intl locales: Bangladesh's conventions (day before month, Bengali digits in bn). */
export const INTL_LOCALE: Record<Language, string> = { en: "en-BD", bn: "bn-BD" };

export function isLanguage(value: string | null | undefined): value is Language {
  return (LANGUAGES as readonly string[]).includes(value ?? "");
}

/** The person's own choice, else the first the browser asks for that we speak, else the
 * school's default, else English. "bn-BD" counts as "bn". */
export function chooseLanguage(
  personal: string | null | undefined,
  browser: readonly string[],
  school?: string | null,
): Language {
  if (isLanguage(personal)) return personal;
  for (const tag of browser) {
    const base = tag.toLowerCase().split("-")[0];
    if (isLanguage(base)) return base;
  }
  return isLanguage(school) ? school : "en";
}

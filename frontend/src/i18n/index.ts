// The app's translations (i18next). `t("ns:key", { name })` anywhere; the language is set once
// at sign-in (the person's own, else the browser's, else the school's) and when they change it,
// which re-renders the whole app (main.tsx keys the tree by language).
import i18next from "i18next";
import { applyFormatting } from "./format";
import { INTL_LOCALE, type Language } from "./language";
import { resources, type Catalogue } from "./resources";

declare module "i18next" {
  interface CustomTypeOptions {
    defaultNS: "common";
    resources: Catalogue;
    // keys are "ns:path.to.key"; a key missing in English fails `tsc`
    strictKeyChecks: true;
  }
}

void i18next.init({
  lng: "en",
  fallbackLng: "en",
  defaultNS: "common",
  ns: Object.keys(resources.en),
  resources,
  initAsync: false,
  interpolation: { escapeValue: false }, // Preact escapes text itself
  returnNull: false,
});

export const t = i18next.t.bind(i18next) as typeof i18next.t;

const listeners = new Set<(language: Language) => void>();

export function currentLanguage(): Language {
  return i18next.language as Language;
}

/** Speak `language` (and format for it, in `timeZone`) from now on. */
export function setLanguage(language: Language, timeZone?: string): void {
  void i18next.changeLanguage(language);
  document.documentElement.lang = language;
  applyFormatting(INTL_LOCALE[language], timeZone);
  listeners.forEach((listener) => listener(language));
}

export function onLanguage(listener: (language: Language) => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

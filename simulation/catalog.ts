/**
 * Static vocabularies of the synthetic call centre: regions and zones, names, occupations,
 * income bands, campaigns, and the CRM's short codes for each.
 */
import type { Disposition } from '../contracts/index.ts';

export type Country = 'US' | 'GB' | 'DE' | 'ES' | 'AU';
export type NameCulture = 'en' | 'de' | 'es';

export interface RegionDef {
  /** Value of the CRM's Region column and of canonical `region`. */
  readonly code: string;
  readonly country: Country;
  readonly timezone: string;
  readonly weight: number;
  /** US only: area codes of the region (numbers are NPA + NXX + 4 digits). */
  readonly areaCodes?: readonly string[];
  /** [language, weight] pairs for `preferred_language`. */
  readonly languages: readonly (readonly [string, number])[];
  /** [name culture, weight] pairs. */
  readonly cultures: readonly (readonly [NameCulture, number])[];
  readonly emailDomains: readonly string[];
}

/** Several zones, with DST in both hemispheres (New York … Sydney). */
export const REGIONS: readonly RegionDef[] = [
  {
    code: 'US-EAST',
    country: 'US',
    timezone: 'America/New_York',
    weight: 0.17,
    areaCodes: ['212', '646', '718', '917', '347', '617', '305', '404'],
    languages: [['en', 0.9], ['es', 0.1]],
    cultures: [['en', 0.85], ['es', 0.15]],
    emailDomains: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com', 'aol.com'],
  },
  {
    code: 'US-CENTRAL',
    country: 'US',
    timezone: 'America/Chicago',
    weight: 0.08,
    areaCodes: ['312', '773', '214', '713', '512'],
    languages: [['en', 0.88], ['es', 0.12]],
    cultures: [['en', 0.82], ['es', 0.18]],
    emailDomains: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'],
  },
  {
    code: 'US-WEST',
    country: 'US',
    timezone: 'America/Los_Angeles',
    weight: 0.12,
    areaCodes: ['213', '310', '323', '415', '510', '818', '206'],
    languages: [['en', 0.85], ['es', 0.15]],
    cultures: [['en', 0.75], ['es', 0.25]],
    emailDomains: ['gmail.com', 'yahoo.com', 'outlook.com', 'icloud.com'],
  },
  {
    code: 'UK',
    country: 'GB',
    timezone: 'Europe/London',
    weight: 0.28,
    languages: [['en', 1]],
    cultures: [['en', 1]],
    emailDomains: ['gmail.com', 'hotmail.co.uk', 'btinternet.com', 'outlook.com', 'yahoo.co.uk'],
  },
  {
    code: 'DE',
    country: 'DE',
    timezone: 'Europe/Berlin',
    weight: 0.12,
    languages: [['de', 0.92], ['en', 0.08]],
    cultures: [['de', 1]],
    emailDomains: ['web.de', 'gmx.de', 't-online.de', 'gmail.com'],
  },
  {
    code: 'ES',
    country: 'ES',
    timezone: 'Europe/Madrid',
    weight: 0.11,
    languages: [['es', 0.88], ['en', 0.12]],
    cultures: [['es', 1]],
    emailDomains: ['gmail.com', 'hotmail.es', 'telefonica.net', 'yahoo.es'],
  },
  {
    code: 'AU-NSW',
    country: 'AU',
    timezone: 'Australia/Sydney',
    weight: 0.12,
    languages: [['en', 1]],
    cultures: [['en', 1]],
    emailDomains: ['gmail.com', 'bigpond.com', 'outlook.com', 'optusnet.com.au'],
  },
];

export const GIVEN_NAMES: Record<NameCulture, { readonly male: readonly string[]; readonly female: readonly string[] }> = {
  en: {
    male: ['James', 'John', 'Robert', 'Michael', 'William', 'David', 'Richard', 'Thomas', 'Daniel', 'Matthew', 'Oliver', 'Harry', 'George', 'Jack', 'Liam', 'Noah', 'Ethan', 'Samuel', 'Joseph', 'Andrew', 'Christopher', 'Mark', 'Paul', 'Steven', 'Kevin', 'Brian', 'Sean', 'Connor', 'Lucas', 'Ryan'],
    female: ['Mary', 'Patricia', 'Jennifer', 'Linda', 'Elizabeth', 'Susan', 'Jessica', 'Sarah', 'Karen', 'Emily', 'Olivia', 'Amelia', 'Isla', 'Ava', 'Sophie', 'Charlotte', 'Grace', 'Chloe', 'Emma', 'Hannah', 'Lucy', 'Megan', 'Rachel', 'Laura', 'Helen', 'Margaret', 'Joan', 'Zoe', 'Ruby', 'Ellie'],
  },
  de: {
    male: ['Lukas', 'Leon', 'Jonas', 'Finn', 'Paul', 'Felix', 'Maximilian', 'Ben', 'Elias', 'Noah', 'Thomas', 'Michael', 'Andreas', 'Stefan', 'Jürgen', 'Klaus', 'Wolfgang', 'Uwe', 'Matthias', 'Tobias'],
    female: ['Anna', 'Lena', 'Leonie', 'Hannah', 'Emma', 'Mia', 'Sophie', 'Marie', 'Laura', 'Lea', 'Sabine', 'Petra', 'Ursula', 'Monika', 'Claudia', 'Katrin', 'Birgit', 'Jutta', 'Sandra', 'Jana'],
  },
  es: {
    male: ['José', 'Antonio', 'Manuel', 'Francisco', 'David', 'Juan', 'Javier', 'Daniel', 'Carlos', 'Jesús', 'Alejandro', 'Miguel', 'Rafael', 'Pablo', 'Sergio', 'Álvaro', 'Diego', 'Jorge', 'Luis', 'Hugo'],
    female: ['María', 'Carmen', 'Ana', 'Isabel', 'Laura', 'Lucía', 'Marta', 'Cristina', 'Pilar', 'Elena', 'Sofía', 'Paula', 'Sara', 'Raquel', 'Rosa', 'Beatriz', 'Julia', 'Alba', 'Nuria', 'Irene'],
  },
};

export const SURNAMES: Record<NameCulture, readonly string[]> = {
  en: ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Taylor', 'Davies', 'Evans', 'Wilson', 'Thomas', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards', 'Green', 'Hall', 'Wood', 'Harris', 'Clarke', 'Jackson', 'Turner', 'Hill', 'Moore', 'Cooper', 'Ward', 'Morris', "O'Brien", "O'Connor", 'McDonald', 'Campbell', 'Murphy', 'Kelly', 'Anderson', 'Miller', 'Davis', 'Martin', 'Lee', 'Clark', 'Lewis', 'Young', 'King', 'Scott', 'Baker', 'Adams', 'Nelson', 'Carter'],
  de: ['Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann', 'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Schmitt', 'Werner', 'Krause', 'Meier', 'Lehmann'],
  es: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Martín', 'Jiménez', 'Ruiz', 'Hernández', 'Díaz', 'Moreno', 'Muñoz', 'Álvarez', 'Romero', 'Alonso', 'Gutiérrez', 'Navarro', 'Torres', 'Domínguez', 'Vázquez', 'Ramos', 'Gil', 'Ramírez', 'Serrano', 'Blanco', 'Molina'],
};

export const OCCUPATIONS = [
  'office_worker',
  'shift_worker',
  'self_employed',
  'retired',
  'student',
  'homemaker',
  'unemployed',
] as const;
export type Occupation = (typeof OCCUPATIONS)[number];
export const OCC = {
  office_worker: 0,
  shift_worker: 1,
  self_employed: 2,
  retired: 3,
  student: 4,
  homemaker: 5,
  unemployed: 6,
} as const satisfies Record<Occupation, number>;
/** How the CRM's Job column spells each occupation. */
export const OCCUPATION_LABELS: readonly string[] = [
  'Office worker',
  'Shift worker',
  'Self-employed',
  'Retired',
  'Student',
  'Homemaker',
  'Unemployed',
];

export const INCOME_BANDS = ['low', 'lower_middle', 'middle', 'upper_middle', 'high'] as const;
export type IncomeBand = (typeof INCOME_BANDS)[number];
/** How the CRM's IncomeBand column spells each band. */
export const INCOME_BAND_LABELS: readonly string[] = ['<20k', '20-40k', '40-70k', '70-120k', '120k+'];

export const GENDERS = ['male', 'female', 'other'] as const;
export type Gender = (typeof GENDERS)[number];
export const GENDER_LABELS: readonly string[] = ['M', 'F', 'X'];

/** CRM short codes of each disposition (the call log's Result column), in `DISPOSITIONS` order. */
export const RESULT_CODES: Record<Disposition, string> = {
  answered: 'ANS',
  no_answer: 'NOA',
  busy: 'BSY',
  invalid_number: 'INV',
  voicemail: 'VM',
  rejected: 'REJ',
  abandoned: 'ABD',
  failed: 'FAIL',
};
/** Result codes that the mapping does not know: the `unknown_code` dirty rows use these. */
export const UNKNOWN_RESULT_CODES: readonly string[] = ['CB', 'XFR', 'ANX', 'ERR7', 'DNC?', 'HUP'];

export const HANDLER_CODES = { robot: 'BOT', agent: 'AGT' } as const;

/** CRM event-type codes (events export) → canonical `events.type`. */
export const EVENT_TYPES = ['purchase', 'payment', 'visit'] as const;
export type EventType = (typeof EVENT_TYPES)[number];
export const EVENT_TYPE_CODES: readonly string[] = ['PUR', 'PAY', 'WEB'];

export type CampaignTarget = 'new_customers' | 'affluent' | 'long_tenure' | 'lapsed' | 'anyone';

export interface CampaignDef {
  readonly code: string;
  readonly handler: 'robot' | 'agent';
  /** Share of fresh dials while the campaign runs. */
  readonly weight: number;
  /** Active part of the history window, as fractions [from, to). */
  readonly from: number;
  readonly to: number;
  readonly target: CampaignTarget;
  /** Median sale value in the customer's currency units. */
  readonly medianValue: number;
}

/** The historical campaigns: a naive operation, each with its own target list. */
export const CAMPAIGNS: readonly CampaignDef[] = [
  { code: 'WELCOME', handler: 'agent', weight: 0.15, from: 0, to: 1, target: 'new_customers', medianValue: 45 },
  { code: 'UPSELL', handler: 'agent', weight: 0.35, from: 0, to: 1, target: 'affluent', medianValue: 120 },
  { code: 'RETENTION', handler: 'robot', weight: 0.3, from: 0, to: 1, target: 'long_tenure', medianValue: 70 },
  { code: 'WINBACK', handler: 'robot', weight: 0.25, from: 0.5, to: 1, target: 'lapsed', medianValue: 55 },
  { code: 'GENERAL', handler: 'agent', weight: 0.1, from: 0, to: 0.5, target: 'anyone', medianValue: 60 },
];

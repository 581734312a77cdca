import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * "Outside its folder a provider's name appears only in the one registration list" (issue 13):
 * for each registered provider, a case-insensitive word search of src/ (comments, DTO examples
 * and page text count) outside src/billing/providers/<name>/ finds nothing but the list itself.
 */
const ROOT = join(__dirname, '..', '..');
const SRC = join(ROOT, 'src');
const PROVIDERS_DIR = join(SRC, 'billing', 'providers');
const REGISTRATION_LIST = join(PROVIDERS_DIR, 'registered-providers.ts');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The provider folders the registration list imports from (`./<name>/...`). */
function registeredProviderNames(): string[] {
  const list = readFileSync(REGISTRATION_LIST, 'utf8');
  return readdirSync(PROVIDERS_DIR, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .filter((name) => list.includes(`'./${name}/`));
}

/** Every `file:line: text` of src/ naming `name` as a word, outside its folder and the list. */
function strayMentions(name: string): string[] {
  const word = new RegExp(`\\b${name}\\b`, 'i');
  const ownFolder = join(PROVIDERS_DIR, name) + sep;
  return sourceFiles(SRC)
    .filter((file) => !file.startsWith(ownFolder) && file !== REGISTRATION_LIST)
    .flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((text, i) =>
          word.test(text) ? [`${relative(ROOT, file)}:${i + 1}: ${text.trim()}`] : [],
        ),
    );
}

describe("provider names stay in the provider's folder", () => {
  it('has a registration list that registers every provider folder', () => {
    expect(existsSync(REGISTRATION_LIST)).toBe(true);
    expect(registeredProviderNames().length).toBeGreaterThan(0);
  });

  const names = existsSync(REGISTRATION_LIST) ? registeredProviderNames() : [];
  it.each(names)('finds "%s" in src/ only in its folder and the registration list', (name) => {
    expect(strayMentions(name)).toEqual([]);
  });
});

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface PackageJson {
  name?: string;
  version?: string;
}

/** The folder holding our package.json, found from this file whether it runs from src/ or dist/. */
export function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (
      existsSync(file) &&
      (JSON.parse(readFileSync(file, 'utf8')) as PackageJson).name === 'payment-service'
    ) {
      return dir;
    }
    if (dirname(dir) === dir)
      throw new Error('payment-service package.json not found above ' + __dirname);
  }
}

export function packageVersion(): string {
  return (
    (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as PackageJson)
      .version ?? '0.0.0'
  );
}

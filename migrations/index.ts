import { InitialSchema1795458195306 } from './1795458195306-InitialSchema';

/** Every migration in order. `npm run migration:generate -- Name` appends to this list. */
export const MIGRATIONS: Function[] = [InitialSchema1795458195306];

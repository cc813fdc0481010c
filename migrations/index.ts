import { InitialSchema1795928267390 } from './1795928267390-InitialSchema';

/** Every migration, oldest first. Listed explicitly so ts-jest, tsx and the compiled build load the same set. */
export const MIGRATIONS = [InitialSchema1795928267390];

/**
 * MikroORM keeps entity metadata on `globalThis`, which survives from one test file to the next in a Jest worker;
 * entries decorated in an earlier file's module realm break discovery in this one ("Map.prototype.set called on
 * incompatible receiver"). Jest runs this before each test file, before any entity is decorated.
 */
delete (globalThis as Record<string, unknown>)['mikro-orm-metadata'];

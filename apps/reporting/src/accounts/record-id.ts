import { BadRequestException } from '@nestjs/common';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Our ids are uuids: anything else is the caller's mistake (400), not a record that is not there (404). */
export function recordId(id: string, resource: string): string {
  if (!UUID.test(id)) throw new BadRequestException(`Not ${resource} id: ids are uuids`);
  return id;
}

import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiQuery,
  getSchemaPath,
  ReferenceObject,
  SchemaObject,
} from '@nestjs/swagger';

/** A filter whose values come from a set: closed (`enum`, ours) or open (`x-extensible-enum`, PartnerStack's). */
export interface ValueFilter {
  name: string;
  values: readonly string[];
  open: boolean;
  description: string;
}

export interface ApiListOptions {
  /** Query parameters of the list (such as `status`) documented with the values they match. */
  valueFilters?: ValueFilter[];
  /** Properties the JSON page carries beside `data` and `nextCursor` (always present). */
  extraProperties?: Record<string, SchemaObject | ReferenceObject>;
  /** Classes the extra properties refer to. */
  extraModels?: Type<unknown>[];
}

/** OpenAPI for a list: a `{ data, nextCursor }` page as JSON, or the whole filtered list as CSV. */
export function ApiList(model: Type<unknown>, options: ApiListOptions = {}) {
  const extraProperties = options.extraProperties ?? {};
  return applyDecorators(
    ApiExtraModels(model, ...(options.extraModels ?? [])),
    // Merged into the parameter `@Headers('accept')` declares, which would otherwise be required.
    ApiHeader({
      name: 'accept',
      required: false,
      description: '`text/csv` for the CSV download; JSON otherwise',
      example: 'text/csv',
    }),
    ...(options.valueFilters ?? []).map((filter) =>
      ApiQuery({
        name: filter.name,
        required: false,
        description: filter.description,
        schema: { type: 'string', [filter.open ? 'x-extensible-enum' : 'enum']: [...filter.values] },
      }),
    ),
    ApiOkResponse({
      description: 'A page of records; with `Accept: text/csv`, every matching record as a streamed CSV download.',
      content: {
        'application/json': {
          schema: {
            type: 'object',
            required: ['data', 'nextCursor', ...Object.keys(extraProperties)],
            properties: {
              data: { type: 'array', items: { $ref: getSchemaPath(model) } },
              nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page' },
              ...extraProperties,
            },
          },
        },
        'text/csv': {
          schema: {
            type: 'string',
            description:
              'A header row, then one row per matching record from `cursor` on (`limit` does not apply); ' +
              'sent as an attachment',
          },
        },
      },
    }),
    ApiBadRequestResponse({ description: 'Invalid filter, sort or cursor' }),
  );
}

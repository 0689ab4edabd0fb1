import { applyDecorators, Type } from '@nestjs/common';
import { ApiBadRequestResponse, ApiExtraModels, ApiOkResponse, ApiProduces, getSchemaPath } from '@nestjs/swagger';

/** OpenAPI for a list: a `{ data, nextCursor }` page as JSON, or the whole filtered list as CSV. */
export function ApiList(model: Type<unknown>) {
  return applyDecorators(
    ApiExtraModels(model),
    ApiProduces('application/json', 'text/csv'),
    ApiOkResponse({
      description: 'A page of records; with `Accept: text/csv`, every matching record as a streamed CSV download.',
      schema: {
        type: 'object',
        required: ['data', 'nextCursor'],
        properties: {
          data: { type: 'array', items: { $ref: getSchemaPath(model) } },
          nextCursor: { type: 'string', nullable: true, description: 'Pass as `cursor` for the next page' },
        },
      },
    }),
    ApiBadRequestResponse({ description: 'Invalid filter, sort or cursor' }),
  );
}

import { SetMetadata } from '@nestjs/common';

export const PUBLIC_ROUTE = 'pp:public-route';

/** Health and metrics only: an app's auth guard lets these through without a user JWT. */
export const PublicRoute = () => SetMetadata(PUBLIC_ROUTE, true);

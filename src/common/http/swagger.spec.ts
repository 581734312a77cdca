import { Controller, Get, Post } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

import { ApiServiceKey } from './api-envelope.decorators';
import { buildOpenApiDocument } from './swagger';
import { ProviderCallback, Public } from '../auth/route-access.decorators';

@ApiServiceKey()
@Controller('keyed')
class KeyedController {
  @Get()
  list(): string[] {
    return [];
  }

  /** One open route in a keyed controller: the method's decorator wins, as in ApiKeyGuard. */
  @Public()
  @Get('open')
  open(): string {
    return 'open';
  }
}

@Public()
@Controller('pages')
class PagesController {
  @Get()
  home(): string {
    return 'home';
  }
}

@ProviderCallback()
@Controller('callbacks')
class CallbacksController {
  @Post()
  notify(): string {
    return 'ok';
  }
}

describe('buildOpenApiDocument', () => {
  let app: NestFastifyApplication;
  beforeAll(async () => {
    const module = await Test.createTestingModule({
      controllers: [KeyedController, PagesController, CallbacksController],
    }).compile();
    app = module.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), {
      logger: false,
    });
    await app.init();
  });
  afterAll(() => app.close());

  const document = () =>
    buildOpenApiDocument(app, { version: '1.2.3', publicUrl: 'https://pay.example.uz' });

  it('gives every route that takes no key an explicit empty security requirement', () => {
    const { paths } = document();
    expect(paths['/keyed'].get?.security).toEqual([{ 'api-key': [] }]);
    expect(paths['/keyed/open'].get?.security).toEqual([]);
    expect(paths['/pages'].get?.security).toEqual([]);
    expect(paths['/callbacks'].post?.security).toEqual([]);
  });

  it('names the configured PUBLIC_URL as the server and the MIT license', () => {
    const spec = document();
    expect(spec.servers).toEqual([
      {
        url: '{publicUrl}',
        description: 'This gateway',
        variables: {
          publicUrl: { default: 'https://pay.example.uz', description: "The gateway's PUBLIC_URL" },
        },
      },
    ]);
    expect(spec.info.license).toEqual({ name: 'MIT', url: 'https://opensource.org/licenses/MIT' });
  });
});

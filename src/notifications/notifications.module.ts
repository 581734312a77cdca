import { Module } from '@nestjs/common';

import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Gateway → app: the outbox dispatcher, the delivery log, the Stuck view, manual retries. */
@Module({
  controllers: [WebhooksController],
  providers: [WebhookDispatcher, WebhooksService],
  exports: [WebhookDispatcher, WebhooksService],
})
export class NotificationsModule {}

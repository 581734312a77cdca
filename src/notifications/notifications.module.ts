import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';

import { WebhookAttempt } from './webhook-attempt.entity';
import { WebhookDispatcher } from './webhook-dispatcher.service';
import { WebhookEvent } from './webhook-event.entity';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** Gateway → app: the outbox dispatcher, the delivery log, the Stuck view, manual retries. */
@Module({
  imports: [TypeOrmModule.forFeature([WebhookEvent, WebhookAttempt])],
  controllers: [WebhooksController],
  providers: [WebhookDispatcher, WebhooksService],
  exports: [WebhookDispatcher, WebhooksService],
})
export class NotificationsModule {}

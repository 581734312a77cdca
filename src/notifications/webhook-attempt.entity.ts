import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

import { WebhookEvent } from './webhook-event.entity';

/** One delivery attempt of one event: when, how long, what the receiver answered. */
@Entity({ name: 'webhook_attempts' })
@Index('ix_webhook_attempts_event', ['eventId', 'n'])
export class WebhookAttempt {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @ManyToOne(() => WebhookEvent, { onDelete: 'CASCADE', nullable: false })
  @JoinColumn({ name: 'event_id', foreignKeyConstraintName: 'fk_webhook_attempts_event' })
  event?: WebhookEvent;

  @Column('uuid')
  eventId: string;

  /** 1 for the first attempt. */
  @Column('integer')
  n: number;

  @Column('timestamptz')
  startedAt: Date;

  @Column('integer')
  durationMs: number;

  @Column('integer', { nullable: true })
  responseStatus: number | null;

  /** At most 1 KB of the response body. */
  @Column('text', { nullable: true })
  responseSnippet: string | null;

  @Column('text', { nullable: true })
  error: string | null;
}

import { Logger, OnModuleDestroy, UseFilters } from '@nestjs/common';
import { ConnectedSocket, MessageBody, OnGatewayConnection, OnGatewayInit, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import type { Namespace, Socket } from 'socket.io';
import { AuthService, ForbiddenError, UnauthenticatedError } from '@app/auth';
import { Ack, ackOk, JOB_CHANNEL, MODEL_CHANNEL } from '@app/contracts';
import type { AuthUser, JobDetailView } from '@app/contracts';
import { JobsService, ModelRegistryService, PgChannelRepository } from '@app/registry';
import { toErrorBody } from '../filters/error-body';
import { WsExceptionFilter } from '../filters/ws-exception.filter';

export const ADMIN_NAMESPACE = '/admin';
const ADMINS_ROOM = 'admins';
const jobRoom = (id: string) => `job:${id}`;

/**
 * Live updates for the admin pages (`/admin`): `job:event` / `job:updated` for jobs a socket subscribed to,
 * `model:changed` after every promote or rollback. Fed by PostgreSQL NOTIFY, so it works whichever process
 * (an in-process or a standalone worker, another server) made the change. REST polling gives the same data.
 */
@WebSocketGateway({ namespace: ADMIN_NAMESPACE })
@UseFilters(WsExceptionFilter)
export class AdminGateway implements OnGatewayInit, OnGatewayConnection, OnModuleDestroy {
  private readonly logger = new Logger('AdminGateway');
  private namespace: Namespace | null = null;
  /** Last event seq pushed per job room, so each event goes out once. */
  private readonly sent = new Map<string, number>();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly auth: AuthService,
    private readonly jobs: JobsService,
    private readonly registry: ModelRegistryService,
    private readonly channel: PgChannelRepository,
  ) {}

  afterInit(namespace: Namespace): void {
    this.namespace = namespace;
    namespace.use((socket, next) => {
      const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
      const refuse = (error: unknown) => next(Object.assign(new Error('Connection refused'), { data: toErrorBody(error, 'admin handshake').body }));
      if (typeof token !== 'string') return refuse(new UnauthenticatedError('Connect with auth: { token } from POST /api/auth/login'));
      this.auth.verifyToken(token).then((user: AuthUser) => {
        if (user.role !== 'admin') return refuse(new ForbiddenError('Only admin may do this'));
        socket.data.user = user;
        next();
      }, refuse);
    });
    void this.listen();
  }

  async handleConnection(socket: Socket): Promise<void> {
    if (socket.data.user) await socket.join(ADMINS_ROOM);
  }

  onModuleDestroy(): void {
    this.unsubscribe.forEach((u) => u());
  }

  /** Joins the job's room; the ack carries the job and its events so far (replay for a late joiner). */
  @SubscribeMessage('job:subscribe')
  async subscribe(@ConnectedSocket() socket: Socket, @MessageBody() body: { jobId?: unknown }): Promise<Ack<JobDetailView>> {
    const detail = await this.jobs.get(String(body?.jobId ?? ''));
    await socket.join(jobRoom(detail.job.id));
    this.sent.set(detail.job.id, Math.max(this.sent.get(detail.job.id) ?? 0, detail.nextSince));
    return ackOk(detail);
  }

  private async listen(): Promise<void> {
    try {
      this.unsubscribe.push(await this.channel.subscribe(JOB_CHANNEL, (id) => void this.pushJob(id)));
      this.unsubscribe.push(await this.channel.subscribe(MODEL_CHANNEL, (id) => void this.pushModel(id)));
    } catch (error) {
      this.logger.error({ event: 'admin.listen_failed', message: (error as Error).message });
    }
  }

  private async pushJob(id: string): Promise<void> {
    const room = this.namespace?.adapter.rooms.get(jobRoom(id));
    if (!this.namespace || !room?.size) return;
    try {
      const detail = await this.jobs.get(id, this.sent.get(id));
      this.sent.set(id, detail.nextSince);
      for (const event of detail.events) this.namespace.to(jobRoom(id)).emit('job:event', { jobId: id, event });
      this.namespace.to(jobRoom(id)).emit('job:updated', detail.job);
    } catch (error) {
      this.logger.warn({ event: 'admin.push_failed', jobId: id, message: (error as Error).message });
    }
  }

  private async pushModel(id: string): Promise<void> {
    if (!this.namespace) return;
    try {
      const model = await this.registry.get(id);
      this.namespace.to(ADMINS_ROOM).emit('model:changed', { id: model.id, version: model.version, status: model.status });
    } catch (error) {
      this.logger.warn({ event: 'admin.push_failed', modelId: id, message: (error as Error).message });
    }
  }
}

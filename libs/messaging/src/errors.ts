/**
 * Thrown by a handler when the message can never succeed (unmappable data, broken invariant).
 * The dispatcher dead-letters it at once with this message as the reason instead of retrying.
 */
export class PermanentMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentMessageError';
  }
}

export class MessagingWiringError extends Error {
  constructor(problems: string[]) {
    super(`Message handlers are not wired correctly:\n  - ${problems.join('\n  - ')}`);
    this.name = 'MessagingWiringError';
  }
}

export class InvalidMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidMessageError';
  }
}

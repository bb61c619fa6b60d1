# fangxun: one image for every process (API, workers, scheduler); the command picks which.
#   default (npm start)  API + workers + scheduled duties + SL 651 gateway in one process
#   npm run api          the HTTP API (and the scheduled duties, see README "Processes")
#   npm run worker       workers and the scheduled duties
#   npm run sl651        the SL 651 gateway
FROM node:20-bookworm-slim
WORKDIR /app
# npm runs scripts with `sh -c`; dash neither execs the command nor passes SIGTERM on, so
# `docker stop` would kill the service without its graceful close. `bash -c` execs it.
ENV NODE_ENV=production \
    npm_config_script_shell=/bin/bash \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly, so it is a runtime dependency; dev tools
# (typescript, vitest, autocannon) stay out of the image.
RUN npm ci --omit=dev && npm cache clean --force

COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY config ./config

USER node
# 8080: HTTP API. 5651: SL 651-2014 gauge gateway (TCP).
EXPOSE 8080 5651
CMD ["npm", "start"]

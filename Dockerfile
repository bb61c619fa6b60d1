# fangxun: the service image (API, workers and scheduler; the command picks which).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
# tsx runs the TypeScript sources directly; it is a runtime dependency.
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY config ./config
USER node
EXPOSE 8080 5651
CMD ["npm", "start"]

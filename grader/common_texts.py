"""Messages more than one check can yield: why a need is missing (said once, by the check
that provides it: grader.checks.context), why a check is blocked or was not run, and why a
submission could not be graded. A check's own message of the same key comes first."""

from grader.texts import Message, Text

COMMON_MESSAGES = {
    "no_backend": Message(
        en="No service is the backend: none is named `backend`, and nginx's /api proxy names none of "
        "these services: {services}.",
        ko="백엔드 서비스를 찾지 못했습니다: `backend`라는 서비스가 없고 nginx의 /api 프록시도 다음 "
        "서비스 중 어느 것도 가리키지 않습니다: {services}.",
        fix=Text(
            en="Name the backend service `backend` and proxy /api to it, or pass --service backend={candidate}.",
            ko="백엔드 서비스 이름을 `backend`로 하고 /api를 그 서비스로 프록시하거나, --service "
            "backend={candidate}{를} 지정하세요.",
        ),
        params=("candidate", "services"),
    ),
    "backend_in_profile": Message(
        en="Service {service} is only in a profile that is not enabled, so `docker compose up` does not "
        "start it and nothing answers /api.",
        ko="{service} 서비스가 켜지지 않은 프로필에만 있어서 `docker compose up`이 시작하지 않습니다. "
        "그래서 /api에 응답할 서비스가 없습니다.",
        fix=Text(
            en="Delete the `profiles:` line from service {service}, so that a plain `docker compose up` starts it.",
            ko="{service} 서비스에서 `profiles:` 줄을 지워 그냥 `docker compose up`으로도 시작되게 하세요.",
        ),
        params=("service",),
    ),
    "backend_unknown_host": Message(
        en="nginx sends /api to `{host}` ({where}), but no service has that name (services: {services}), "
        "so no service is the backend.",
        ko="nginx가 /api를 `{host}`{로} 보내지만({where}) 그런 이름의 서비스가 없어서 백엔드를 정할 수 "
        "없습니다. 서비스: {services}.",
        fix=Text(
            en="Make the two agree: name the backend service `{host}`, or make proxy_pass use the "
            "backend's service name ({candidate}). Until then nothing answers /api.",
            ko="두 이름을 맞추세요: 백엔드 서비스 이름을 `{host}`{로} 하거나, proxy_pass가 백엔드 서비스 "
            "이름({candidate}){을} 쓰게 하세요. 그 전에는 /api에 아무도 응답하지 않습니다.",
        ),
        params=("candidate", "host", "services", "where"),
    ),
    "no_frontend": Message(
        en="No nginx frontend service found (services: {services}).",
        ko="nginx 프론트엔드 서비스를 찾지 못했습니다 (서비스: {services}).",
        fix=Text(
            en="Add the nginx service (build ./frontend, or image nginx) named `frontend`, or pass "
            "--service frontend=NAME.",
            ko="`frontend`라는 nginx 서비스(./frontend를 빌드하거나 nginx 이미지 사용)를 추가하거나 "
            "--service frontend=NAME을 지정하세요.",
        ),
        params=("services",),
    ),
    "no_api_location": Message(
        en="No server/location in the nginx config serves {path}.",
        ko="nginx 설정에서 {path} 요청을 처리하는 server/location이 없습니다.",
        fix=Text(
            en="Add `location /api/ { proxy_pass http://backend:8080; }` to the server the frontend publishes.",
            ko="프론트엔드가 게시하는 server에 `location /api/ { proxy_pass http://backend:8080; }`을 추가하세요.",
        ),
        params=("path",),
    ),
    "image_default_server": Message(
        en="nginx answers http://localhost{path} from the image's own {origin} (server_name {names}), "
        "which this line leaves in the image beside your config: it has no /api location, so the "
        "request gets 404, never the backend. Remove it (`RUN rm /etc/nginx/conf.d/default.conf`) or "
        "copy your config over it (`COPY nginx.conf /etc/nginx/conf.d/default.conf`).",
        ko="http://localhost{path}에는 이 줄이 여러분의 설정 옆에 남겨 둔 이미지 자체의 "
        "{origin}(server_name {names}){이} 응답합니다. 여기에는 /api location이 없어서 요청이 "
        "백엔드로 가지 않고 404를 받습니다. 그 파일을 "
        "지우거나(`RUN rm /etc/nginx/conf.d/default.conf`) 설정을 그 자리에 "
        "복사하세요(`COPY nginx.conf /etc/nginx/conf.d/default.conf`).",
        params=("names", "origin", "path"),
    ),
    "no_proxy_pass": Message(
        en="`location {location}` serves {path} but has no proxy_pass, so the API never reaches the backend.",
        ko="`location {location}`{이} {path}{를} 처리하지만 proxy_pass가 없어 API 요청이 백엔드로 가지 않습니다.",
        fix=Text(
            en="Add `proxy_pass http://backend:8080;` (the backend's service name and port) to `location {location}`.",
            ko="`location {location}`에 백엔드의 서비스 이름과 포트를 넣어 "
            "`proxy_pass http://backend:8080;`을 추가하세요.",
        ),
        params=("location", "path"),
    ),
    "api_answered": Message(
        en="nginx answers {path} itself with {answer}: `{cause}` decides it on the way, so the request "
        "never reaches the backend.",
        ko="nginx가 {path} 요청에 직접 {answer}{로} 응답합니다. 가는 길에 있는 `{cause}`{가} 응답을 "
        "정하므로 요청이 백엔드까지 가지 않습니다.",
        fix=Text(
            en="Take `{cause}` off the way of {path} (delete it, or move it to a location that does not "
            "serve the API), so that the request reaches proxy_pass.",
            ko="`{cause}`{를} {path} 요청이 지나가는 길에서 빼세요(지우거나 API를 처리하지 않는 "
            "location으로 옮기세요). 그러면 요청이 proxy_pass까지 갑니다.",
        ),
        params=("answer", "cause", "path"),
        extra=("redirect",),
    ),
    "api_empty_variable": Message(
        en="nginx answers {path} itself with {answer}: `proxy_pass {raw}` is empty, because `{stop}` "
        "({stop_where}) stops the rewrite directives before `set {var}` runs.",
        ko="nginx가 {path} 요청에 직접 {answer}{로} 응답합니다. `{stop}`({stop_where}){이} rewrite "
        "지시어 처리를 멈춰 `set {var}`{이} 실행되지 않으므로 `proxy_pass {raw}`의 값이 비어 "
        "있습니다.",
        fix=Text(
            en="Move the `set {var} ...;` line above `{stop}`, so the variable has its value when proxy_pass uses it.",
            ko="`set {var} ...;` 줄을 `{stop}`보다 위로 옮겨, proxy_pass가 쓸 때 변수에 값이 있게 하세요.",
        ),
        params=("answer", "path", "raw", "stop", "stop_where", "var"),
    ),
    "api_variable_set_elsewhere": Message(
        en="nginx answers {path} itself with 500: `proxy_pass {raw}` has no value there, because `set {var}` "
        "is in `{place}` ({set_where}), which {path} does not pass through.",
        ko="nginx가 {path} 요청에 직접 500으로 응답합니다. `set {var}`{이} {path} 요청이 지나가지 않는 "
        "`{place}`({set_where})에 있어서 `proxy_pass {raw}`의 값이 비어 있습니다.",
        fix=Text(
            en="Move the `set {var} ...;` line into the location that serves {path}, above `proxy_pass {raw};`.",
            ko="`set {var} ...;` 줄을 {path}{를} 처리하는 location 안, `proxy_pass {raw};`보다 위로 옮기세요.",
        ),
        params=("path", "place", "raw", "set_where", "var"),
    ),
    "error_page_never": Message(
        en="`location {location}` serves {path}, and its `try_files` ({try_where}) ends in {fallback}, a file it "
        "serves instead of answering 404: `error_page` never sends the request to `{named}`, so the API never "
        "reaches the backend.",
        ko="`location {location}`{이} {path}{를} 처리하는데, `try_files`({try_where})의 마지막 "
        "항목인 {fallback} 파일을 404 응답 대신 보냅니다. 그래서 `error_page`{가} 요청을 "
        "`{named}`{로} 보내는 일이 없고, API 요청이 백엔드에 닿지 않습니다.",
        fix=Text(
            en="Give the API a location of its own: `location /api/ {{ ... }}` with what `{named}` holds (its "
            "proxy_pass), so the request is proxied before try_files runs.",
            ko="API만 처리하는 location을 따로 두세요. `{named}`에 있는 내용(proxy_pass)을 "
            "`location /api/ {{ ... }}`에 넣으면 `try_files`가 실행되기 전에 요청이 프록시됩니다.",
        ),
        params=("fallback", "location", "named", "path", "try_where"),
    ),
    "budget_stopped": Message(
        en="The run was stopped for going over its budget: {what} reached {amount}, more than the {limit} a run "
        "may take.",
        ko="실행이 한도를 넘어 멈췄습니다. {what}{이} {amount}{으로} 실행 하나가 쓸 수 있는 {limit}{을} 넘었습니다.",
        fix=Text(
            en="A graded run shares the machine with every other learner's: keep what the stack writes and builds "
            "small (no large files in images, volumes or containers, no extra containers), then run the grader again.",
            ko="채점 실행은 다른 모든 학습자의 실행과 컴퓨터를 함께 씁니다. 스택이 쓰고 빌드하는 것을 작게 "
            "유지하세요(이미지, 볼륨, 컨테이너에 큰 파일을 두지 말고, 필요 없는 컨테이너를 띄우지 마세요). 그런 다음 "
            "채점기를 다시 실행하세요.",
        ),
        params=("what", "amount", "limit"),
    ),
    "runtime_not_run": Message(
        en="Not run: {reason}",
        ko="실행하지 않았습니다: {reason}",
        fix=Text(
            en="Nothing in your files stopped this phase: the machine could not run the stack (the reason above). "
            "Once that is fixed, run the grader again; the static checks above are graded as usual.",
            ko="제출한 파일 때문이 아니라, 이 컴퓨터에서 스택을 실행할 수 없어서 멈췄습니다(위의 이유). 그 문제를 "
            "해결한 뒤 채점기를 다시 실행하세요. 위의 정적 검사는 그대로 채점되었습니다.",
        ),
        params=("reason",),
    ),
    "input_error": Message(
        en="Could not be graded: {error}",
        ko="채점할 수 없습니다: {error}",
        fix=Text(
            en="Add or correct the file named above (at its line); the checks that need it run once it can be read.",
            ko="위에 나온 파일을 추가하거나 그 줄을 고치세요. 파일을 읽을 수 있게 되면 그 파일이 필요한 "
            "검사도 실행됩니다.",
        ),
        params=("error",),
    ),
    "blocked_compose": Message(
        en="Not checked: the compose file could not be read (see {code}).",
        ko="검사하지 않음: compose 파일을 읽을 수 없습니다 ({code} 참고).",
        params=("code",),
    ),
    "blocked_backend": Message(
        en="Not checked: no service is the backend (see {code}).",
        ko="검사하지 않음: 백엔드 서비스를 찾지 못했습니다 ({code} 참고).",
        params=("code",),
    ),
    "blocked_frontend": Message(
        en="Not checked: no service is the nginx frontend (see {code}).",
        ko="검사하지 않음: nginx 프론트엔드 서비스를 찾지 못했습니다 ({code} 참고).",
        params=("code",),
    ),
    "blocked_nginx": Message(
        en="Not checked: the nginx config could not be read (see {code}).",
        ko="검사하지 않음: nginx 설정을 읽을 수 없습니다 ({code} 참고).",
        params=("code",),
    ),
    "blocked_frontend_image": Message(
        en="Not checked: the frontend's image does not build, so its nginx config never gets into it (see {code}).",
        ko="검사하지 않음: 프론트엔드 이미지가 빌드되지 않아 nginx 설정이 이미지에 들어가지 못합니다 ({code} 참고).",
        params=("code",),
    ),
    "config_not_built": Message(
        en="The build stops at `{instruction}`: its source is not in the build context, so the image "
        "with this nginx config is never made.",
        ko="빌드가 `{instruction}`에서 멈춥니다. 복사할 파일이 빌드 컨텍스트에 없어서 이 nginx 설정이 "
        "들어간 이미지가 만들어지지 않습니다.",
        fix=Text(
            en="Make the file reach the build context (see C111), then grade again.",
            ko="파일이 빌드 컨텍스트에 들어가게 한 뒤(C111 참고) 다시 채점하세요.",
        ),
        params=("instruction",),
    ),
    "config_not_read": Message(
        en="{how} puts {file} at {target}, a file nginx never reads: nginx starts from {main} and reads "
        "only the files that includes (the image's nginx.conf includes /etc/nginx/conf.d/*.conf). So "
        "no server nginx loads serves {path}.",
        ko="{how}{이} {file}{을} {target}에 두는데, nginx는 이 파일을 읽지 않습니다. nginx는 {main}에서 "
        "시작해 그 파일이 include하는 파일만 읽습니다(이미지의 nginx.conf는 /etc/nginx/conf.d/*.conf를 "
        "include합니다). 그래서 nginx가 불러오는 server 블록 중에 {path}{를} 처리하는 것이 없습니다.",
        fix=Text(
            en="Put {file} at /etc/nginx/conf.d/default.conf (a name ending .conf in /etc/nginx/conf.d/), "
            "which the image's nginx.conf includes.",
            ko="{file}{을} /etc/nginx/conf.d/default.conf에 두세요(/etc/nginx/conf.d/ 안에서 이름이 .conf로 "
            "끝나면 됩니다). 이미지의 nginx.conf가 이 파일을 include합니다.",
        ),
        params=("how", "file", "target", "main", "path"),
    ),
    "blocked_api_route": Message(
        en="Not checked: no nginx location proxies the API (see {code}).",
        ko="검사하지 않음: API를 프록시하는 nginx location이 없습니다 ({code} 참고).",
        params=("code",),
    ),
    "follows_load_spread": Message(
        en="Not judged: this follows from R106. `{balance};` sends every request to the one replica the "
        "gateway's address picks, so whether a new or restarted replica gets requests depends on the address "
        "Docker gives the network, not on the files. Fix R106 and this phase is checked.",
        ko="판정하지 않음: R106에서 이어지는 문제입니다. `{balance};`{는} 게이트웨이 주소가 고르는 복제본 "
        "하나로 요청을 모두 보내므로, 새 복제본이나 재시작한 복제본이 요청을 받는지는 파일이 아니라 "
        "Docker가 네트워크에 주는 주소에 달려 있습니다. R106을 고치면 이 단계도 확인합니다.",
        params=("balance",),
        extra=("blocked_by",),
    ),
    "skipped_after": Message(
        en="Not run: {phase} did not pass.",
        ko="실행하지 않음: {phase}{가} 통과하지 못했습니다.",
        params=("phase",),
    ),
    "skipped_no_compose": Message(
        en="Not run: the compose file could not be read.",
        ko="실행하지 않음: compose 파일을 읽을 수 없습니다.",
    ),
    "skipped_no_backend": Message(
        en="Not run: no backend service was found (use --service backend=NAME).",
        ko="실행하지 않음: 백엔드 서비스를 찾지 못했습니다(--service backend=NAME으로 지정할 수 있습니다).",
    ),
    "total_timeout": Message(
        en="Not run: the runtime check used up its {seconds} s.",
        ko="실행하지 않음: 실행 검사에 주어진 {seconds}초를 다 썼습니다.",
        params=("seconds",),
    ),
}

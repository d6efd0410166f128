; Caseworker: per-machine Windows installer (Inno Setup 6).
;
; Build (on Windows, after `python packaging\build.py` made dist\caseworker\):
;   iscc /DAppVersion=0.1.0 packaging\windows\caseworker.iss
; -> dist\caseworker-0.1.0-setup.exe. Sign it (and the .exe files inside dist\caseworker
;    before this step) with signtool: see docs/deploy.md.
;
; Silent per-machine install, as IT deploys it (run elevated):
;   caseworker-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /ALLUSERS /LOG="C:\Windows\Temp\caseworker-setup.log"
;     /VERYSILENT        no wizard and no progress window
;     /SUPPRESSMSGBOXES  answer any message box with its default
;     /NORESTART         never restart Windows (nothing here needs a restart)
;     /ALLUSERS          per-machine: Program Files, Start menu for all users
;                        (already the default here: PrivilegesRequired=admin)
;     /DIR="D:\Apps\Caseworker"  optional: install somewhere else
;     /LOG="file"        write a setup log IT can collect
; Silent uninstall: "C:\Program Files\Caseworker\unins000.exe" /VERYSILENT /NORESTART
;
; Upgrades: run the newer setup the same way. AppId stays the same forever, so it
; replaces the program files in place; the officers' data (case store, settings, logs
; under each user's %LOCALAPPDATA%\Caseworker) and IT's machine settings file
; (%ProgramData%\Caseworker\settings.json) are never touched by setup or uninstall.
; The store's migrations run on the first start of the new version.

#ifndef AppVersion
  #define AppVersion "0.0.0"
#endif
#ifndef SourceDir
  ; The bundle built by packaging/build.py, relative to this file.
  #define SourceDir "..\..\dist\caseworker"
#endif

[Setup]
; Never change AppId: it is how an upgrade finds the installed copy.
AppId={{6F1C3C52-6B0E-4C57-9E1A-2B7C1D7A4E10}
AppName=Caseworker
AppVersion={#AppVersion}
AppPublisher=Today's yes team
DefaultDirName={autopf}\Caseworker
DefaultGroupName=Caseworker
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir=..\..\dist
OutputBaseFilename=caseworker-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Close a running Caseworker before replacing its files (it saves drafts on close).
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\caseworker.exe
; Code signing is done by IT with signtool (see docs/deploy.md); to sign during the
; build instead, define a SignTool named "signtool" in the Inno Setup IDE and add:
; SignTool=signtool

[Files]
; The whole one-folder bundle: caseworker.exe, caseworker-cli.exe, _internal\,
; version.json and MANIFEST.sha256.
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade removes the old version's libraries first, so no stale file is left
; beside the new ones (MANIFEST.sha256 then matches the folder exactly).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\Caseworker"; Filename: "{app}\caseworker.exe"

[Run]
; Nothing runs after a silent install. IT's smoke test, if wanted:
;   "C:\Program Files\Caseworker\caseworker-cli.exe" --self-test
